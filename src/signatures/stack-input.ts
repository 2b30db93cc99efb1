import { parseStack, type StackFrame } from '../parsers/stack.js';

/** One stack found in pasted text: a label (the hung task, or its position) and its frames. */
export interface PastedStack {
  label: string;
  /** 1-based line of the input where the stack starts. */
  line: number;
  frames: StackFrame[];
}

// "[12345.678901] ", "<4>[ 12.3] ", "Nov 26 10:53:03 host kernel: "; bounded and linear.
const LOG_PREFIX = /^(?:<\d{1,2}>)?(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S{1,64} kernel: )?(?:\[\s{0,12}\d{1,12}\.\d{1,9}\] ?)?/;
const HUNG_TASK = /^INFO: task (\S{1,64}):(\d{1,10}) blocked for more than \d{1,10} seconds/;
// /proc/PID/stack lines start at column 0; 2.6-era hung-task traces print the same form indented by a space.
const PROC_FRAME = /^ {0,8}\[<[0-9a-fA-F]{1,16}>\] /;
const LOG_FRAME = /^ {0,8}(?:\? )?[A-Za-z_.$][\w.$]{0,200}\+0x[0-9a-fA-F]{1,16}\/0x[0-9a-fA-F]{1,16}(?: \[[\w-]{1,64}\])?$/;

/**
 * Splits pasted text into stacks: /proc/PID/stack form (`[<0>] fn+0x4d/0x3b0`), or kernel
 * hung-task reports (`INFO: task NAME:PID blocked for more than N
 * seconds.` followed by a call trace), with or without timestamps and syslog prefixes. Lines
 * that are not frames (Call Trace:, <TASK>, registers) are passed over; a blank line after frames,
 * or the next hung-task line, ends a stack.
 */
export function splitStacks(text: string): PastedStack[] {
  const stacks: PastedStack[] = [];
  let current: { label: string | null; line: number; lines: string[]; lineNumbers: number[] } | null = null;
  const finish = (): void => {
    if (current && current.lines.length > 0) {
      const numbers = current.lineNumbers;
      stacks.push({
        label: current.label ?? `stack ${stacks.length + 1}`,
        line: current.line,
        // parseStack numbers the frame lines it was given; point back at the input's lines.
        frames: parseStack(current.lines.join('\n'), 'input').map((f) => ({ ...f, line: numbers[f.line - 1] ?? f.line })),
      });
    }
    current = null;
  };
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(LOG_PREFIX, '').trimEnd();
    const hung = HUNG_TASK.exec(line);
    if (hung) {
      finish();
      current = { label: `task ${hung[1]}:${hung[2]}`, line: index + 1, lines: [], lineNumbers: [] };
    } else if (PROC_FRAME.test(line) || LOG_FRAME.test(line)) {
      current ??= { label: null, line: index + 1, lines: [], lineNumbers: [] };
      current.lines.push(line);
      current.lineNumbers.push(index + 1);
    } else if (line.trim() === '' && current && current.lines.length > 0) {
      finish();
    }
  });
  finish();
  return stacks;
}
