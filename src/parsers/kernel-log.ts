/** One line of the kernel log: its message, and its time and facility when the line says. */
export interface KernelLogRecord {
  /** 1-based line of the text (a /dev/kmsg record is one line, plus dictionary lines that are skipped) */
  line: number;
  /**
   * Seconds: since boot for /dev/kmsg records and `[ 5678.901234]` stamps, since the epoch for
   * `dmesg -T` stamps; null when the line has no time (`dmesg -t`, printk.time=0, syslog lines).
   */
  time: number | null;
  /** Syslog facility: 0 for the kernel's own messages, 1 for lines user space wrote to /dev/kmsg; null when the line does not say. */
  facility: number | null;
  /** The message, without prefixes; /dev/kmsg's `\xNN` escapes decoded. */
  text: string;
}

/** "6,1234,5678901234,-;" or "6,1234,5678901234,-,caller=T123;": priority, sequence, microseconds, flags. */
const KMSG = /^(\d{1,4}),\d{1,20},(\d{1,20}),[^;]{0,80};/;
/** `dmesg -r` and syslog's raw priority: "<6>". */
const RAW_PRIORITY = /^<(\d{1,4})>/;
/** `dmesg -x`: "kern  :info  : ". */
const DECODED_PRIORITY = /^([a-z]{2,8}) *:([a-z]{3,6}) *: /;
/** "Nov 26 10:53:03 host17 kernel: " (syslog, journalctl -k): no year, so no time is kept. */
const SYSLOG = /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S{1,64} kernel: /;
/** "[ 5678.901234] " */
const SECONDS = /^\[\s{0,12}(\d{1,12}\.\d{1,9})\] ?/;
/** `dmesg -T`: "[Tue Nov 26 10:53:03 2024] " */
const CLOCK = /^\[([A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]?\d \d\d:\d\d:\d\d \d{4})\] ?/;
/** CONFIG_PRINTK_CALLER: "[ T1645] " or "[  C3] " after the time. */
const CALLER = /^\[ {0,8}[TC]\d{1,10}\] ?/;

const FACILITIES = ['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp'];

/**
 * The kernel log, as /dev/kmsg gives it or as `dmesg` prints it, in one parser: a file handed to
 * `--kernel-log` may be either, and each line is read by its own form.
 *
 *     6,1234,5678901234,-;INFO: task java:16653 blocked for more than 120 seconds.
 *      SUBSYSTEM=pci                        (a /dev/kmsg dictionary line: skipped)
 *     [ 5678.901234] INFO: task java:16653 blocked for more than 120 seconds.
 *     <3>[ 5678.901234] ...                  (dmesg -r)
 *     kern  :err   : [ 5678.901234] ...     (dmesg -x)
 *     [Tue Nov 26 10:53:03 2024] ...         (dmesg -T)
 *     Nov 26 10:53:03 host17 kernel: ...     (syslog, journalctl -k: no year, no time kept)
 *     INFO: task java:16653 blocked ...      (dmesg -t, printk.time=0)
 *
 * gives `[{ line: 1, time: 5678.901234, facility: 0, text: "INFO: task java:16653 blocked for more
 * than 120 seconds." }, { line: 3, time: 5678.901234, facility: null, text: ... }, ...]`.
 *
 * A log is free text, so nothing here is an error: a line in no known form is a message without a
 * time. Blank lines are skipped, and trailing spaces. Documentation/ABI/testing/dev-kmsg describes the record format.
 */
export function parseKernelLog(text: string): KernelLogRecord[] {
  const records: KernelLogRecord[] = [];
  let line = 0;
  let previousKmsg = false;
  for (let start = 0; start < text.length; ) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    line++;
    const row = text.slice(start, nl);
    start = nl + 1;
    // A /dev/kmsg record's dictionary ("\n SUBSYSTEM=...") continues the record; it is not a message.
    if (previousKmsg && row.startsWith(' ')) continue;
    previousKmsg = false;
    if (row.trim() === '') continue;

    const kmsg = KMSG.exec(row);
    if (kmsg) {
      previousKmsg = true;
      records.push({ line, time: Number(kmsg[2]) / 1e6, facility: Number(kmsg[1]) >> 3, text: unescape(row.slice(kmsg[0].length)).trimEnd() });
      continue;
    }

    let rest = row;
    let facility: number | null = null;
    const raw = RAW_PRIORITY.exec(rest);
    if (raw) {
      facility = Number(raw[1]) >> 3;
      rest = rest.slice(raw[0].length);
    } else {
      const decoded = DECODED_PRIORITY.exec(rest);
      if (decoded && FACILITIES.includes(decoded[1]!)) {
        facility = FACILITIES.indexOf(decoded[1]!);
        rest = rest.slice(decoded[0].length);
      }
    }
    const syslog = SYSLOG.exec(rest);
    if (syslog) rest = rest.slice(syslog[0].length);
    let time: number | null = null;
    const seconds = SECONDS.exec(rest);
    const clock = seconds ? null : CLOCK.exec(rest);
    if (seconds) {
      time = Number(seconds[1]);
      rest = rest.slice(seconds[0].length);
    } else if (clock) {
      const ms = Date.parse(`${clock[1]} UTC`);
      if (!Number.isNaN(ms)) time = ms / 1000;
      rest = rest.slice(clock[0].length);
    }
    const caller = CALLER.exec(rest);
    if (caller) rest = rest.slice(caller[0].length);
    records.push({ line, time, facility, text: rest.trimEnd() });
  }
  return records;
}

/** /dev/kmsg escapes bytes below 0x20, above 0x7e, and the backslash itself as `\xNN`; a UTF-8 character may be several of them. */
function unescape(message: string): string {
  if (!message.includes('\\x')) return message;
  const parts = message.split(/\\x([0-9a-fA-F]{2})/);
  const bytes: Buffer[] = [];
  parts.forEach((part, i) => bytes.push(i % 2 === 1 ? Buffer.from([parseInt(part, 16)]) : Buffer.from(part, 'utf8')));
  return Buffer.concat(bytes).toString('utf8');
}
