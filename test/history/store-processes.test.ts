// The history store with real processes: concurrent writers, a writer killed mid-write, a full disk.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { HistoryError, HistoryStore } from '../../src/history/store.js';
import { makeRun, tempStore } from './store-fixture.js';

const child = fileURLToPath(new URL('./store-child.js', import.meta.url));

function runChild(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('HistoryStore: several processes', () => {
  it('4 processes appending 25 runs each at once lose nothing and form one chain', async (t) => {
    const tmp = tempStore();
    t.after(tmp.remove);
    // No store yet: the four also race to create it and run the migrations.
    const startAt = String(Date.now() + 400);
    const results = await Promise.all([0, 1, 2, 3].map((i) => runChild([tmp.path, '25', '4096', `writer-${i}`, startAt])));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const store = HistoryStore.open(tmp.path);
    try {
      assert.equal(store.list().length, 100);
      for (let i = 0; i < 4; i++) assert.equal(store.list({ host: `writer-${i}` }).length, 25);
      assert.deepEqual(store.verify(), { ok: true, records: 100, pruned: 0 });
      // How much the writers overlapped (not asserted: it depends on scheduling).
      const hosts = store.list().map((r) => r.host);
      t.diagnostic(`writer changes along the chain: ${hosts.filter((h, i) => i > 0 && h !== hosts[i - 1]).length}`);
    } finally { store.close(); }
  });

  it('a process killed (SIGKILL) in the middle of writing leaves a store that opens and verifies', async (t) => {
    const tmp = tempStore();
    t.after(tmp.remove);
    HistoryStore.open(tmp.path).close();
    // Writes 256 KiB snapshots forever; killed after a few commits, most likely inside a write.
    const p = spawn(process.execPath, [child, tmp.path, '0', String(256 * 1024), 'doomed'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let committed = 0;
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exit = new Promise<NodeJS.Signals | null>((resolve) => p.on('close', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      p.stdout.on('data', (d: Buffer) => {
        committed += d.toString().split('\n').filter((l) => l.startsWith('appended')).length;
        if (committed >= 20) { p.kill('SIGKILL'); resolve(); }
      });
      p.on('close', () => reject(new Error(`the writer ended by itself: ${stderr}`)));
    });
    assert.equal(await exit, 'SIGKILL');
    const store = HistoryStore.open(tmp.path);
    try {
      const v = store.verify();
      assert.equal(v.ok, true, JSON.stringify(v));
      // Every commit it reported is there; at most the one in flight may also have made it.
      assert.ok(v.records >= committed, `${v.records} records, ${committed} reported`);
      store.append(makeRun());
      assert.equal(store.verify().ok, true);
    } finally { store.close(); }
  });
});

describe('HistoryStore: a full disk', () => {
  const reason = fullDiskUnavailable();
  it('append fails with a clear HistoryError and the store keeps what it had', { skip: reason }, (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'procdx-history-full-'));
    let mounted = false;
    t.after(() => {
      if (mounted) spawnSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    });
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', dir], { encoding: 'utf8' });
    assert.equal(m.status, 0, m.stderr);
    mounted = true;
    const path = join(dir, 'history.db');
    const store = HistoryStore.open(path);
    try {
      store.append(makeRun());
      const big = makeRun({ snapshot: Buffer.alloc(2 * 1024 * 1024, 7) });
      assert.throws(() => store.append(big), (e: unknown) => e instanceof HistoryError && e.message === `cannot record the run in the history store ${path}: the disk is full`);
      assert.equal(store.list().length, 1);
      assert.deepEqual(store.verify(), { ok: true, records: 1, pruned: 0 });
    } finally { store.close(); }
    const again = HistoryStore.open(path);
    try { assert.deepEqual(again.verify(), { ok: true, records: 1, pruned: 0 }); } finally { again.close(); }
  });
});

/** Why the full-disk test cannot run here, or undefined when it can (root, and tmpfs mounts work). */
function fullDiskUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to mount a 512 KiB tmpfs';
  const probe = mkdtempSync(join(tmpdir(), 'procdx-mount-probe-'));
  try {
    mkdirSync(join(probe, 'm'));
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', join(probe, 'm')], { encoding: 'utf8' });
    if (r.status !== 0) return `mount -t tmpfs is not permitted here: ${(r.stderr || r.error?.message || '').trim()}`;
    spawnSync('umount', [join(probe, 'm')]);
    return undefined;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}
