import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import tar from 'tar-stream';
import { diagnoseSnapshot, loadRuleBase } from '../../src/diagnose.js';
import { readSnapshotArchive, redactKernelLog, SnapshotArchiveError, writeSnapshotArchive, type CaptureInfo } from '../../src/snapshot/archive.js';
import { collect, DEFAULT_COLLECT } from '../../src/snapshot/collect.js';
import { DirSource } from '../../src/snapshot/dir-source.js';
import type { Snapshot } from '../../src/snapshot/snapshot.js';

const tmp = mkdtempSync(join(tmpdir(), 'procdx-archive-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const base = loadRuleBase([], '/nonexistent-site-rules');
const info: CaptureInfo = { procdx: 'test', capturedAt: '2026-11-26T10:53:03.000Z', hostname: 'h', kernel: 'k', includeCmdline: false };
const SECRET = 'hunter2-s3cr3t-token';

/** A small tree: one process whose command line carries a secret. */
function treeWithSecret(): string {
  const root = join(tmp, 'tree');
  mkdirSync(join(root, '42', 'task', '42'), { recursive: true });
  const stat = '42 (mysql) S 1 42 42 0 -1 4202752 0 0 0 0 0 0 0 0 20 0 1 0 100 1000 10 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n';
  writeFileSync(join(root, '42', 'stat'), stat);
  writeFileSync(join(root, '42', 'task', '42', 'stat'), stat);
  writeFileSync(join(root, '42', 'cmdline'), `/usr/sbin/mysqld\0--password=${SECRET}\0`);
  writeFileSync(join(root, 'loadavg'), '0.10 0.20 0.30 1/80 4242\n');
  return root;
}

/** A kernel log with a hung-task report, and an audit record that carries a command line's arguments. */
const KERNEL_LOG = [
  '6,1200,8475123456,-;INFO: task mysqld:42 blocked for more than 122 seconds.',
  '6,1204,8475123463,-;Call Trace:',
  '6,1206,8475123465,-; __schedule+0x3dc/0xf60',
  '6,1207,8475123466,-; io_schedule+0x3f/0x60',
  `5,1300,8475200000,-;audit: type=1309 audit(1732618383.123:45): argc=2 a0="/usr/sbin/mysqld" a1="--password=${SECRET}"`,
  '6,1301,8475300000,-;next',
  '',
].join('\n');

function withKernelLog(): { root: string; log: string } {
  const log = join(tmp, 'kernel.log');
  writeFileSync(log, KERNEL_LOG);
  return { root: treeWithSecret(), log };
}

async function roundTrip(snapshot: Snapshot, name: string, capture = info): Promise<Snapshot> {
  const file = join(tmp, name);
  await writeSnapshotArchive(snapshot, capture, file);
  return (await readSnapshotArchive(file)).snapshot;
}

/** Rewrites the archive's entries through `edit` (null drops an entry), then appends `extra` entries. */
async function rewriteArchive(archive: Buffer, edit: (name: string, body: string) => string | null, extra: [string, string][] = []): Promise<Buffer> {
  const entries: [string, string][] = [];
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      const body = edit(header.name, Buffer.concat(chunks).toString('utf8'));
      if (body !== null) entries.push([header.name, body]);
      next();
    });
  });
  const finished = new Promise<void>((resolve) => extract.on('finish', () => resolve()));
  extract.end(gunzipSync(archive));
  await finished;
  const pack = tar.pack();
  for (const [name, body] of [...entries, ...extra]) pack.entry({ name }, body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return gzipSync(Buffer.concat(chunks));
}

describe('snapshot archives', () => {
  it('the live /proc: findings from the archive are byte-identical to the live run', async () => {
    const live = await collect(new DirSource('/proc'), { ...DEFAULT_COLLECT, statIntervalMs: 100, kernelLog: { kind: 'kmsg' } });
    const replayed = await roundTrip(live, 'live.tar.gz');
    const a = await diagnoseSnapshot(live, base);
    const b = await diagnoseSnapshot(replayed, base);
    assert.equal(JSON.stringify(b.report.findings), JSON.stringify(a.report.findings));
    assert.equal(JSON.stringify(b.report.notEvaluated), JSON.stringify(a.report.notEvaluated));
    assert.deepEqual(replayed.statSecond, live.statSecond);
    assert.deepEqual(replayed.vmstatSecond, live.vmstatSecond);
    assert.deepEqual([...replayed.dirs.keys()].sort(), [...live.dirs.keys()].sort());
    const log = live.kernelLog!;
    assert.deepEqual(replayed.kernelLog, log.read.ok ? { ...log, read: { ok: true, text: redactKernelLog(log.read.text) } } : log);
  });

  it('keeps the kernel log: the same facts and findings after the round trip, audit command lines redacted', async () => {
    const { root, log } = withKernelLog();
    const snapshot = await collect(new DirSource(root), { ...DEFAULT_COLLECT, statIntervalMs: 0, kernelLog: { kind: 'file', path: log } });
    const kept = await roundTrip(snapshot, 'log-included.tar.gz', { ...info, includeCmdline: true });
    assert.deepEqual(kept.kernelLog, { source: log, read: { ok: true, text: KERNEL_LOG } });
    const a = await diagnoseSnapshot(snapshot, base);
    const b = await diagnoseSnapshot(kept, base);
    assert.equal(JSON.stringify(b.report), JSON.stringify(a.report));
    assert.equal(JSON.stringify([...b.facts.facts]), JSON.stringify([...a.facts.facts]));

    const file = join(tmp, 'log-redacted.tar.gz');
    await writeSnapshotArchive(snapshot, info, file);
    assert.ok(!gunzipSync(readFileSync(file)).toString('latin1').includes(SECRET), 'the secret must not be in the archive');
    const redacted = (await readSnapshotArchive(file)).snapshot.kernelLog;
    assert.ok(redacted?.read.ok);
    assert.deepEqual(redacted.read.text.split('\n'), KERNEL_LOG.split('\n').map((l) => (l.includes('audit:') ? '5,1300,8475200000,-;audit: [record with command-line arguments redacted]' : l)));
  });

  it('keeps why the kernel log was not read', async () => {
    const snapshot = await collect(new DirSource(treeWithSecret()), { ...DEFAULT_COLLECT, statIntervalMs: 0 });
    snapshot.kernelLog = { source: '/dev/kmsg', read: { ok: false, error: 'EPERM' } };
    assert.deepEqual((await roundTrip(snapshot, 'log-eperm.tar.gz')).kernelLog, { source: '/dev/kmsg', read: { ok: false, error: 'EPERM' } });
  });

  it('reads an archive from before procdx read the kernel log: no kernel log, not an error', async () => {
    const { root, log } = withKernelLog();
    const snapshot = await collect(new DirSource(root), { ...DEFAULT_COLLECT, statIntervalMs: 0, kernelLog: { kind: 'file', path: log } });
    const file = join(tmp, 'old.tar.gz');
    await writeSnapshotArchive(snapshot, info, file);
    const old = await rewriteArchive(readFileSync(file), (name, body) => {
      if (name.endsWith('/kernel-log')) return null;
      if (!name.endsWith('manifest.json')) return body;
      const manifest = JSON.parse(body) as Record<string, unknown>;
      delete manifest['kernelLog'];
      return JSON.stringify(manifest);
    });
    writeFileSync(file, old);
    assert.equal((await readSnapshotArchive(file)).snapshot.kernelLog, null);
  });

  it('redacts command-line arguments unless asked, and never holds environ', async () => {
    const snapshot = await collect(new DirSource(treeWithSecret()), { ...DEFAULT_COLLECT, statIntervalMs: 0 });
    assert.ok(snapshot.files.get('42/cmdline')?.ok, 'the tree\'s cmdline was read');
    const file = join(tmp, 'redacted.tar.gz');
    await writeSnapshotArchive(snapshot, info, file);
    const bytes = gunzipSync(readFileSync(file)).toString('latin1');
    assert.ok(!bytes.includes(SECRET), 'the secret must not be in the archive');
    assert.ok(!bytes.includes('environ'), 'environ is never captured');
    const back = (await readSnapshotArchive(file)).snapshot.files.get('42/cmdline');
    assert.deepEqual(back, { ok: true, text: '/usr/sbin/mysqld\0[1 redacted]\0' });

    const kept = await roundTrip(snapshot, 'included.tar.gz', { ...info, includeCmdline: true });
    assert.deepEqual(kept.files.get('42/cmdline'), { ok: true, text: `/usr/sbin/mysqld\0--password=${SECRET}\0` });
  });

  it('keeps failed reads with their reasons', async () => {
    const snapshot = await collect(new DirSource(treeWithSecret()), { ...DEFAULT_COLLECT, statIntervalMs: 0 });
    snapshot.files.set('7/task/7/stack', { ok: false, error: 'BLOCKED', afterMs: 201 });
    const back = await roundTrip(snapshot, 'failed.tar.gz');
    assert.deepEqual(back.files.get('7/task/7/stack'), { ok: false, error: 'BLOCKED', afterMs: 201 });
    assert.deepEqual(back.files.get('meminfo'), { ok: false, error: 'ENOENT' });
  });
});

describe('bad archives are refused with a clear error', () => {
  async function goodArchive(): Promise<Buffer> {
    const { root, log } = withKernelLog();
    const snapshot = await collect(new DirSource(root), { ...DEFAULT_COLLECT, statIntervalMs: 0, kernelLog: { kind: 'file', path: log } });
    const file = join(tmp, 'good.tar.gz');
    await writeSnapshotArchive(snapshot, info, file);
    return readFileSync(file);
  }

  const cases: { name: string; make: (good: Buffer) => Promise<Buffer> | Buffer; want: RegExp }[] = [
    { name: 'not gzip', make: () => Buffer.from('hello, not an archive\n'), want: /not a gzip file or damaged/ },
    { name: 'truncated', make: (good) => good.subarray(0, Math.floor(good.length / 2)), want: /not a gzip file or damaged|truncated/ },
    { name: 'gzip of something that is not tar', make: () => gzipSync(Buffer.alloc(1500, 'x')), want: /not a tar archive or truncated|no procdx-snapshot\/manifest\.json/ },
    { name: 'a tar without a manifest (foreign)', make: (good) => rewriteArchive(good, (n, b) => (n.endsWith('manifest.json') ? null : b)), want: /no procdx-snapshot\/manifest\.json: not a procdx snapshot/ },
    { name: 'an altered file', make: (good) => rewriteArchive(good, (n, b) => (n.endsWith('/loadavg') ? b.replace('0.10', '9.99') : b)), want: /proc\/loadavg does not match its sha256/ },
    { name: 'a file removed', make: (good) => rewriteArchive(good, (n, b) => (n.endsWith('/loadavg') ? null : b)), want: /loadavg is listed in the manifest but missing/ },
    {
      name: 'a file added',
      make: (good) => rewriteArchive(good, (_n, b) => b, [['procdx-snapshot/proc/99/environ', 'SECRET=1']]),
      want: /procdx-snapshot\/proc\/99\/environ is not in the manifest/,
    },
    {
      name: 'an altered kernel log',
      make: (good) => rewriteArchive(good, (n, b) => (n.endsWith('/kernel-log') ? b.replace('mysqld', 'nginx') : b)),
      want: /procdx-snapshot\/kernel-log does not match its sha256/,
    },
    { name: 'an unknown format version', make: (good) => rewriteArchive(good, (n, b) => (n.endsWith('manifest.json') ? b.replace('procdx-snapshot/1', 'procdx-snapshot/9') : b)), want: /format 'procdx-snapshot\/9' is not procdx-snapshot\/1/ },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const file = join(tmp, `bad-${c.name.replace(/\W+/g, '-')}.tar.gz`);
      writeFileSync(file, await c.make(await goodArchive()));
      await assert.rejects(readSnapshotArchive(file), (err: unknown) => {
        assert.ok(err instanceof SnapshotArchiveError, String(err));
        assert.match(err.message, c.want);
        return true;
      });
    });
  }
});
