import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { collect, DEFAULT_COLLECT } from '../../src/snapshot/collect.js';
import { DirSource } from '../../src/snapshot/dir-source.js';
import { KERNEL_LOG_BOUNDS, NO_KERNEL_LOG, readKernelLog, readKernelLogFile, readKmsg } from '../../src/snapshot/kernel-log.js';

const tmp = mkdtempSync(join(tmpdir(), 'procdx-kernel-log-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const lines = (n: number, from = 0): string => Array.from({ length: n }, (_, i) => `[ ${from + i}.000000] line ${from + i}\n`).join('');

describe('reading a kernel log file (--kernel-log)', () => {
  it('keeps a small file whole, with nothing left out', () => {
    const file = join(tmp, 'small.log');
    writeFileSync(file, lines(3));
    assert.deepEqual(readKernelLogFile(file), { source: file, read: { ok: true, text: lines(3) } });
  });

  it('keeps the last lines within the byte bound, starting at a whole line, and says what it left out', () => {
    const file = join(tmp, 'big.log');
    writeFileSync(file, lines(100));
    const size = Buffer.byteLength(lines(100));
    const capture = readKernelLogFile(file, { ...KERNEL_LOG_BOUNDS, maxBytes: 50 }); // the last 2 lines are 42 bytes
    assert.deepEqual(capture.read, { ok: true, text: lines(2, 98) });
    assert.equal(capture.truncated, `the first ${size - 42} of ${size} bytes (procdx keeps at most 50 bytes)`);
  });

  it('keeps the last lines within the line bound', () => {
    const file = join(tmp, 'many.log');
    writeFileSync(file, lines(10));
    const capture = readKernelLogFile(file, { ...KERNEL_LOG_BOUNDS, maxRecords: 4 });
    assert.deepEqual(capture.read, { ok: true, text: lines(4, 6) });
    assert.equal(capture.truncated, 'the oldest 6 of 10 lines (procdx keeps at most 4)');
  });

  it('refuses what is not a regular file (a FIFO or device could block), and reports a missing one', () => {
    const fifo = join(tmp, 'fifo');
    execFileSync('mkfifo', [fifo]);
    assert.deepEqual(readKernelLogFile(fifo).read, { ok: false, error: 'EINVAL', reason: 'not a regular file' });
    mkdirSync(join(tmp, 'dir'));
    assert.deepEqual(readKernelLogFile(join(tmp, 'dir')).read, { ok: false, error: 'EINVAL', reason: 'not a regular file' });
    assert.deepEqual(readKernelLogFile(join(tmp, 'nope')).read, { ok: false, error: 'ENOENT' });
  });
});

describe('reading /dev/kmsg', () => {
  it('gives an open error as the result', async () => {
    const capture = await readKmsg(KERNEL_LOG_BOUNDS, Infinity, join(tmp, 'no-kmsg'));
    assert.deepEqual(capture, { source: join(tmp, 'no-kmsg'), read: { ok: false, error: 'ENOENT' } });
  });

  it('a log that never ends (a printk storm; here /dev/zero) stops at the time bound, keeping the newest within the byte bound', async () => {
    const started = performance.now();
    const capture = await readKmsg({ maxBytes: 64 * 1024, maxRecords: 20_000, maxMs: 50 }, Infinity, '/dev/zero');
    assert.ok(performance.now() - started < 2000, 'stopped');
    assert.ok(capture.read.ok && capture.read.text.length <= 64 * 1024 && capture.read.text.length > 0, String(capture.read.ok && capture.read.text.length));
    assert.match(capture.truncated ?? '', /^the oldest \d+ of \d+ records \(procdx keeps at most 20000 records and 65536 bytes\); stopped after \d+ ms, before the end of the log: the newest records are missing$/);
  });

  it('keeps exactly the newest records within both bounds, whatever the wrap-around of its buffer', async () => {
    // A regular file reads in chunks of the reader's 16 KiB buffer: each chunk stands for a record.
    const data = Buffer.from(Array.from({ length: 1_000_000 }, (_, i) => 97 + ((i * 7919) % 26)));
    const file = join(tmp, 'records.bin');
    writeFileSync(file, data);
    for (const [maxBytes, maxRecords] of [[50_000, 1000], [40_000, 2], [16384 * 3, 10], [100_000_000, 5]] as const) {
      const capture = await readKmsg({ maxBytes, maxRecords, maxMs: 60_000 }, Infinity, file);
      const kept: Buffer[] = [];
      let bytes = 0;
      for (let at = 0; at < data.length; at += 16384) {
        kept.push(data.subarray(at, at + 16384));
        bytes += kept.at(-1)!.length;
        while (kept.length > maxRecords || bytes > maxBytes) bytes -= kept.shift()!.length;
      }
      assert.ok(capture.read.ok && capture.read.text === Buffer.concat(kept).toString('latin1'), `${maxBytes} bytes, ${maxRecords} records`);
      assert.equal(capture.truncated, `the oldest ${62 - kept.length} of 62 records (procdx keeps at most ${maxRecords} records and ${maxBytes} bytes)`);
    }
  });

  it('the run\'s deadline stops it too', async () => {
    const capture = await readKmsg(KERNEL_LOG_BOUNDS, performance.now() + 20, '/dev/zero');
    assert.match(capture.truncated ?? '', /stopped after \d+ ms/);
  });

  it('ends at end of file (a container may bind /dev/null there), with the read time on the monotonic clock', async () => {
    const capture = await readKmsg(KERNEL_LOG_BOUNDS, Infinity, '/dev/null');
    assert.deepEqual(capture.read, { ok: true, text: '' });
    const now = Number(process.hrtime.bigint()) / 1e9;
    assert.ok(capture.readAtSecs !== undefined && capture.readAtSecs <= now && capture.readAtSecs > now - 5, String(capture.readAtSecs));
  });
});

describe('the kernel log in a collection', () => {
  const tree = join(tmp, 'tree');
  mkdirSync(tree);
  writeFileSync(join(tree, 'loadavg'), '0.10 0.20 0.30 1/80 4242\n');

  it('a /proc tree without --kernel-log records why there is none', async () => {
    const snapshot = await collect(new DirSource(tree), { ...DEFAULT_COLLECT, statIntervalMs: 0 });
    assert.deepEqual(snapshot.kernelLog, { source: '', read: { ok: false, error: 'SKIPPED', reason: NO_KERNEL_LOG } });
    assert.equal(NO_KERNEL_LOG, 'no kernel log for a proc-root tree; pass --kernel-log FILE');
    assert.deepEqual(await readKernelLog(undefined, Infinity), snapshot.kernelLog);
  });

  it('a /proc tree with a kernel log file', async () => {
    const file = join(tmp, 'tree.log');
    writeFileSync(file, lines(2));
    const snapshot = await collect(new DirSource(tree), { ...DEFAULT_COLLECT, statIntervalMs: 0, kernelLog: { kind: 'file', path: file } });
    assert.deepEqual(snapshot.kernelLog, { source: file, read: { ok: true, text: lines(2) } });
  });
});
