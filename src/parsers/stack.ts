import { ParseError } from './parse-error.js';

/** One frame of /proc/PID/stack ("[<ffffffff81264a14>] name+0x14/0x30", "[<0>] name+0x14/0x30") or of a kernel log call trace (" ? name+0x14/0x30 [module]", " name+0x14/0x30"). */
export interface StackFrame {
  /** normalized: ".isra.N", ".constprop.N", ".part.N", ".cold" suffixes and ppc64 leading "." removed */
  fn: string;
  /** as printed */
  rawFn: string;
  /** 0x14 -> 20 */
  offset: number | null;
  /** 0x30 -> 48 */
  size: number | null;
  /** "[ext4]" -> "ext4" */
  module: string | null;
  /** "? " prefix */
  unreliable: boolean;
  /** 1-based line in the file */
  line: number;
  /** the whole line, trimmed (for evidence) */
  text: string;
}

/**
 * /proc/PID/stack and /proc/PID/task/TID/stack (proc(5)), and the frames of a kernel log call trace.
 *
 *     [<0>] nfs_wait_bit_killable+0x24/0x40 [nfs]
 *     [<ffffffff81264a14>] call_rwsem_down_read_failed+0x14/0x30
 *      ? do_sigtimedwait.isra.0+0x156/0x1f0
 *
 * gives, top of stack first, `[{ fn: "nfs_wait_bit_killable", rawFn: "nfs_wait_bit_killable", offset: 36, size: 64,
 * module: "nfs", unreliable: false, line: 1, text: "[<0>] nfs_wait_bit_killable+0x24/0x40 [nfs]" },
 * { fn: "call_rwsem_down_read_failed", offset: 20, size: 48, module: null, line: 2, ... },
 * { fn: "do_sigtimedwait", rawFn: "do_sigtimedwait.isra.0", offset: 342, size: 496, unreliable: true, line: 3, ... }]`.
 *
 * The address in "[<...>]" is dropped: current kernels print "[<0>]" there to hide the layout. A
 * frame the kernel could not name is its address ("0xffffffffc0a1b2c3"), kept as fn with offset and
 * size null; only the ULONG_MAX end marker of 2.6 kernels ("[<ffffffffffffffff>] 0xffffffffffffffff")
 * is dropped. A module's build ID ("[nfs 4a5d...]") is not part of the module name. Blank lines are
 * skipped; an empty file gives []; any other line that is not a frame is a ParseError, and that
 * includes a log line's timestamp prefix and its "Call Trace:" or "<TASK>" lines, which the caller
 * must strip.
 *
 * Stacks are read for every blocked task, so this scans each line by hand instead of with a regex.
 */
export function parseStack(text: string, path: string): StackFrame[] {
  const frames: StackFrame[] = [];
  let line = 0;
  for (let start = 0; start < text.length; ) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    line++;
    const row = text.slice(start, nl).trim();
    start = nl + 1;
    if (row === '') continue;
    const frame = parseFrame(row, line);
    if (frame === undefined) throw new ParseError(path, line, `not a stack frame: "${row}"`);
    if (frame !== null) frames.push(frame);
  }
  return frames;
}

/** ULONG_MAX on 64- and 32-bit kernels: the "end of trace" entry that 2.6 kernels printed. */
const END_MARKERS = new Set(['0xffffffffffffffff', '0xffffffff']);

/** The frame on a trimmed, non-blank line; null for the end marker; undefined when it is not a frame. */
function parseFrame(row: string, line: number): StackFrame | null | undefined {
  let i = 0;
  if (row.startsWith('[<')) {
    const close = row.indexOf('>]');
    if (close < 3 || !isHex(row, 2, close)) return undefined;
    i = skipSpaces(row, close + 2);
  }
  const unreliable = row.startsWith('? ', i);
  if (unreliable) i = skipSpaces(row, i + 2);

  let symEnd = row.indexOf(' ', i);
  if (symEnd < 0) symEnd = row.length;
  let module: string | null = null;
  if (symEnd < row.length) {
    const rest = row.slice(skipSpaces(row, symEnd));
    if (rest.length < 3 || rest[0] !== '[' || !rest.endsWith(']')) return undefined;
    const space = rest.indexOf(' ');
    module = rest.slice(1, space < 0 ? -1 : space);
    if (module === '') return undefined;
  }

  const plus = row.lastIndexOf('+', symEnd);
  let rawFn: string;
  let offset: number | null = null;
  let size: number | null = null;
  if (plus > i) {
    rawFn = row.slice(i, plus);
    const slash = row.indexOf('/', plus);
    const offEnd = slash < 0 || slash > symEnd ? symEnd : slash;
    const off = hexAt(row, plus + 1, offEnd);
    if (off === undefined) return undefined;
    offset = off;
    if (offEnd < symEnd) {
      const sz = hexAt(row, offEnd + 1, symEnd);
      if (sz === undefined) return undefined;
      size = sz;
    }
  } else {
    // Without "+offset" only an unresolved address is a frame; a bare word is not.
    rawFn = row.slice(i, symEnd);
    if (hexAt(rawFn, 0, rawFn.length) === undefined) return undefined;
    if (END_MARKERS.has(rawFn)) return null;
  }
  if (rawFn === '') return undefined;
  return { fn: normalize(rawFn), rawFn, offset, size, module, unreliable, line, text: row };
}

/**
 * The function name without compiler suffixes (".isra.0", ".constprop.0", ".part.3", ".cold",
 * ".lto_priv.0", ".llvm.123") and without the ppc64 ELFv1 dot that marks a function entry point:
 * C names cannot contain ".", so everything after the first one is a suffix.
 */
function normalize(rawFn: string): string {
  const from = rawFn.startsWith('.') ? 1 : 0;
  const dot = rawFn.indexOf('.', from);
  return dot < 0 ? rawFn.slice(from) : rawFn.slice(from, dot);
}

function skipSpaces(s: string, i: number): number {
  while (i < s.length && s.charCodeAt(i) === 32) i++;
  return i;
}

function isHex(s: string, start: number, stop: number): boolean {
  for (let i = start; i < stop; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return true;
}

/** "0x1f" in s[start, stop) as a number; undefined when it is not "0x" and hex digits. */
function hexAt(s: string, start: number, stop: number): number | undefined {
  if (stop - start < 3 || s[start] !== '0' || s[start + 1] !== 'x' || !isHex(s, start + 2, stop)) return undefined;
  return Number.parseInt(s.slice(start + 2, stop), 16);
}
