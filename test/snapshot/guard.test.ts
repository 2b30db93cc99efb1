import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { guardedRead } from '../../src/snapshot/guard.js';

const root = mkdtempSync(join(tmpdir(), 'procdx-guard-'));
after(() => rmSync(root, { recursive: true, force: true }));
for (const pid of ['1', '2', '3']) mkdirSync(join(root, pid));
writeFileSync(join(root, '1', 'cmdline'), 'init\0');
writeFileSync(join(root, '2', 'stack'), '[<0>] do_sys_poll+0x3f4/0x570\n');
writeFileSync(join(root, '3', 'cmdline'), 'sleep\x0060\0');
// A named pipe with no writer: open() blocks forever, as a read of a jammed process's cmdline does.
execFileSync('mkfifo', [join(root, '2', 'cmdline')]);

const groupOf = (path: string): string => path.split('/')[0]!;

describe('guarded reads', () => {
  it('a read that blocks is reported as blocked, the rest of that process is skipped, others are read', async () => {
    const started = performance.now();
    const results = await guardedRead(['1/cmdline', '2/cmdline', '2/stack', '3/cmdline', '4/cmdline'], {
      root,
      fileTimeoutMs: 200,
      deadline: performance.now() + 10_000,
      groupOf,
    });
    const elapsed = performance.now() - started;
    assert.deepEqual(results.get('1/cmdline'), { ok: true, text: 'init\0' });
    const blocked = results.get('2/cmdline');
    assert.equal(blocked?.ok, false);
    assert.ok(blocked && !blocked.ok && blocked.error === 'BLOCKED' && 'afterMs' in blocked && (blocked.afterMs ?? 0) >= 200);
    assert.deepEqual(results.get('2/stack'), { ok: false, error: 'SKIPPED', reason: 'an earlier read of this process blocked' });
    assert.deepEqual(results.get('3/cmdline'), { ok: true, text: 'sleep\x0060\0' });
    assert.deepEqual(results.get('4/cmdline'), { ok: false, error: 'ENOENT' });
    assert.ok(elapsed < 5000, `took ${elapsed} ms`);
  });

  it('only the read that blocks is blamed, even after more answers than a pipe holds', async () => {
    // 2,000 answers of ~150 bytes (300 KB) come before the named pipe, more than a 64 KB pipe buffer.
    const paths: string[] = [];
    for (let i = 0; i < 2000; i++) {
      mkdirSync(join(root, 'many', String(i)), { recursive: true });
      writeFileSync(join(root, 'many', String(i), 'cmdline'), 'x'.repeat(100));
      paths.push(`many/${i}/cmdline`);
    }
    execFileSync('mkfifo', [join(root, 'many', 'fifo')]);
    paths.splice(1500, 0, 'many/fifo');
    const results = await guardedRead(paths, { root, fileTimeoutMs: 200, deadline: performance.now() + 20_000, groupOf: (p) => p });
    const blocked = [...results].filter(([, r]) => !r.ok).map(([p]) => p);
    assert.deepEqual(blocked, ['many/fifo']);
  });

  it('after the run deadline nothing more is read, and each path says so', async () => {
    const results = await guardedRead(['2/cmdline', '3/cmdline'], { root, fileTimeoutMs: 60_000, deadline: performance.now() + 300, groupOf });
    assert.deepEqual(results.get('3/cmdline'), { ok: false, error: 'SKIPPED', reason: 'the run deadline passed' });
    assert.equal(results.get('2/cmdline')?.ok, false);
  });
});
