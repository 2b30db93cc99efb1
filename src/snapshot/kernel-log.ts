import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { KernelLogCapture } from './snapshot.js';
import { errorCode } from './source.js';

/**
 * Where the kernel log comes from: the live /dev/kmsg, or a file of /dev/kmsg records or `dmesg`
 * output (`--kernel-log FILE`, for a /proc tree from another host). /proc/kmsg is never read: it
 * is the syslog(2) reader's interface, and reading it takes the messages away from syslogd and
 * blocks when there are none.
 */
export type KernelLogSpec = { kind: 'kmsg'; path?: string } | { kind: 'file'; path: string };

export interface KernelLogBounds {
  /** Text kept, most recent first: a host's buffer can be 16 MiB and more. */
  maxBytes: number;
  /** Records (lines of a file) kept, most recent first. */
  maxRecords: number;
  /** How long reading /dev/kmsg may take; the run's deadline also stops it. */
  maxMs: number;
}

export const KERNEL_LOG_BOUNDS: KernelLogBounds = { maxBytes: 2 * 1024 * 1024, maxRecords: 20_000, maxMs: 1000 };

/** Why a run without a kernel log has none: a /proc tree copied from another host carries no log. */
export const NO_KERNEL_LOG = 'no kernel log for a proc-root tree; pass --kernel-log FILE';

/** One /dev/kmsg record is at most CONSOLE_EXT_LOG_MAX (8 KiB) with its dictionary; a smaller buffer gets EINVAL. */
const RECORD_BUFFER = 16 * 1024;

/** Records read between two looks at the clock and two yields to the event loop. */
const CHECK_EVERY = 256;

/**
 * Reads /dev/kmsg without blocking and without consuming anything: opened O_RDONLY|O_NONBLOCK,
 * each read() returns one record, EAGAIN means the end of the log, EPIPE means records were
 * overwritten while we read (the next read goes on from the oldest one left). The most recent
 * records within `bounds` are kept, as read. Opening it needs CAP_SYSLOG when
 * kernel.dmesg_restrict is 1, and is refused for everyone with printk.devkmsg=off: the error is
 * the result (EPERM), never an exception. Yields to the event loop now and then, so the guard's
 * helper is answered while a large buffer is read.
 */
export async function readKmsg(bounds: KernelLogBounds = KERNEL_LOG_BOUNDS, deadline = Infinity, path = '/dev/kmsg'): Promise<KernelLogCapture> {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return { source: path, read: { ok: false, error: errorCode(err) } };
  }
  const started = performance.now();
  const stopAt = Math.min(started + bounds.maxMs, deadline);
  const buffer = Buffer.allocUnsafe(RECORD_BUFFER);
  const ring = new RecordRing(bounds.maxBytes, bounds.maxRecords);
  let read = 0;
  let overwritten = 0;
  let stopped: string | null = null;
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buffer, 0, buffer.length, null);
      } catch (err) {
        const code = errorCode(err);
        if (code === 'EAGAIN') break;
        if (code === 'EPIPE') {
          overwritten++;
          continue;
        }
        if (code === 'EINTR') continue;
        if (read === 0) return { source: path, read: { ok: false, error: code } };
        stopped = `reading stopped at ${code}`;
        break;
      }
      if (n === 0) break;
      ring.push(buffer, n);
      read++;
      if (read % CHECK_EVERY === 0) {
        if (performance.now() > stopAt) {
          stopped = `stopped after ${Math.round(performance.now() - started)} ms, before the end of the log: the newest records are missing`;
          break;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  } finally {
    closeSync(fd);
  }
  const readAtSecs = Math.round(Number(process.hrtime.bigint() / 1000n)) / 1e6;
  const notes: string[] = [];
  const dropped = read - ring.count;
  if (dropped > 0) notes.push(`the oldest ${dropped} of ${read} records (procdx keeps at most ${bounds.maxRecords} records and ${bounds.maxBytes} bytes)`);
  if (overwritten > 0) notes.push(`records overwritten by the kernel while procdx read (${overwritten} times)`);
  if (stopped) notes.push(stopped);
  const capture: KernelLogCapture = { source: path, read: { ok: true, text: ring.text() }, readAtSecs };
  if (notes.length > 0) capture.truncated = notes.join('; ');
  return capture;
}

/**
 * The newest records within a byte and a record bound, in one buffer allocated up front: a
 * record is copied in at the write position (wrapping around), and the oldest are dropped as
 * bounds require. A host whose log never ends (a printk storm) costs time, bounded elsewhere,
 * and no memory beyond this.
 */
class RecordRing {
  private readonly bytes: Buffer;
  /** Start and length of each kept record, oldest first, as a circular queue. */
  private readonly starts: Int32Array;
  private readonly lengths: Int32Array;
  private head = 0;
  count = 0;
  private used = 0;
  private write = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly maxRecords: number,
  ) {
    this.bytes = Buffer.allocUnsafe(maxBytes);
    this.starts = new Int32Array(maxRecords);
    this.lengths = new Int32Array(maxRecords);
  }

  push(record: Buffer, length: number): void {
    if (length > this.maxBytes) return;
    while (this.count > 0 && (this.count >= this.maxRecords || this.used + length > this.maxBytes)) {
      this.used -= this.lengths[this.head]!;
      this.head = (this.head + 1) % this.maxRecords;
      this.count--;
    }
    const first = Math.min(length, this.maxBytes - this.write);
    record.copy(this.bytes, this.write, 0, first);
    if (first < length) record.copy(this.bytes, 0, first, length);
    const slot = (this.head + this.count) % this.maxRecords;
    this.starts[slot] = this.write;
    this.lengths[slot] = length;
    this.count++;
    this.used += length;
    this.write = (this.write + length) % this.maxBytes;
  }

  /** The kept records in order, as one text. */
  text(): string {
    const out = Buffer.allocUnsafe(this.used);
    let at = 0;
    for (let i = 0; i < this.count; i++) {
      const slot = (this.head + i) % this.maxRecords;
      const start = this.starts[slot]!;
      const length = this.lengths[slot]!;
      const first = Math.min(length, this.maxBytes - start);
      this.bytes.copy(out, at, start, start + first);
      if (first < length) this.bytes.copy(out, at + first, 0, length - first);
      at += length;
    }
    return out.toString('utf8');
  }
}

/**
 * Reads a kernel log file given with --kernel-log: /dev/kmsg records or `dmesg` output. Only the
 * last `maxBytes` of the file and its last `maxRecords` lines are kept (a kern.log can be
 * gigabytes). A file that is not a regular file is refused: a FIFO or a device could block.
 */
export function readKernelLogFile(path: string, bounds: KernelLogBounds = KERNEL_LOG_BOUNDS): KernelLogCapture {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return { source: path, read: { ok: false, error: errorCode(err) } };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { source: path, read: { ok: false, error: 'EINVAL', reason: 'not a regular file' } };
    const from = Math.max(0, stat.size - bounds.maxBytes);
    const buffer = Buffer.alloc(stat.size - from);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, from + length);
      if (n === 0) break;
      length += n;
    }
    const notes: string[] = [];
    let start = 0;
    if (from > 0) {
      // The first line kept is the first whole one.
      start = buffer.indexOf(10) + 1;
      notes.push(`the first ${from + start} of ${stat.size} bytes (procdx keeps at most ${bounds.maxBytes} bytes)`);
    }
    let text = buffer.toString('utf8', start, length);
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (lines.length > bounds.maxRecords) {
      notes.push(`the oldest ${lines.length - bounds.maxRecords} of ${lines.length} lines (procdx keeps at most ${bounds.maxRecords})`);
      text = `${lines.slice(-bounds.maxRecords).join('\n')}\n`;
    }
    const capture: KernelLogCapture = { source: path, read: { ok: true, text } };
    if (notes.length > 0) capture.truncated = notes.join('; ');
    return capture;
  } catch (err) {
    return { source: path, read: { ok: false, error: errorCode(err) } };
  } finally {
    closeSync(fd);
  }
}

/** Reads the kernel log a spec names; without one, a record of why there is none. */
export async function readKernelLog(spec: KernelLogSpec | undefined, deadline: number, bounds: KernelLogBounds = KERNEL_LOG_BOUNDS): Promise<KernelLogCapture> {
  if (!spec) return { source: '', read: { ok: false, error: 'SKIPPED', reason: NO_KERNEL_LOG } };
  if (spec.kind === 'file') return readKernelLogFile(spec.path, bounds);
  return readKmsg(bounds, deadline, spec.path);
}
