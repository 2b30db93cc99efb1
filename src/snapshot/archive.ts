import { createHash } from 'node:crypto';
import { renameSync, readFileSync, writeFileSync, unlinkSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import type { DirRead, FileRead, LinkRead } from './source.js';
import type { KernelLogCapture, RunRecord, Snapshot } from './snapshot.js';

export const SNAPSHOT_FORMAT = 'procdx-snapshot/1';
const ROOT = 'procdx-snapshot';
/** Archives larger than this are not procdx snapshots (a 50,000-task host captures to a few MB). */
const MAX_ARCHIVE_BYTES = 512 * 1024 * 1024;

type Failed = { error: string; afterMs?: number; reason?: string };

export interface SnapshotManifest {
  format: typeof SNAPSHOT_FORMAT;
  procdx: string;
  capturedAt: string;
  hostname: string | null;
  kernel: string | null;
  source: string;
  /** "redacted": only the program name of each command line is kept. */
  cmdline: 'redacted' | 'included';
  run: RunRecord;
  statSecond: { intervalMs: number; read: { sha256: string; size: number } | Failed } | null;
  /** Absent in archives from procdx 0.1.0 before vmstat rates. */
  vmstatSecond?: { intervalMs: number; read: { sha256: string; size: number } | Failed } | null;
  /** The kernel log (its text is kernel-log in the archive). Absent in archives from before procdx read it. */
  kernelLog?: { source: string; readAtSecs?: number; truncated?: string; read: { sha256: string; size: number } | Failed } | null;
  files: Record<string, { sha256: string; size: number } | Failed>;
  links: Record<string, { target: string } | Failed>;
  dirs: Record<string, { entries: string[] } | Failed>;
}

/** The files sampled a second time at the end of collection, and their names in the archive. */
const SECOND_SAMPLES = [
  ['statSecond', 'stat.second'],
  ['vmstatSecond', 'vmstat.second'],
] as const;

export class SnapshotArchiveError extends Error {
  constructor(file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'SnapshotArchiveError';
  }
}

export interface CaptureInfo {
  procdx: string;
  capturedAt: string;
  hostname: string | null;
  kernel: string | null;
  includeCmdline: boolean;
}

/**
 * Writes a snapshot as one .tar.gz: manifest.json (every read's outcome, with a sha256 per file)
 * and the raw files under proc/. environ is never read, so it is never in a snapshot; command
 * lines keep only the program name unless `includeCmdline`. The file appears whole or not at all
 * (written beside and renamed).
 */
export async function writeSnapshotArchive(snapshot: Snapshot, info: CaptureInfo, file: string): Promise<SnapshotManifest> {
  const { bytes, manifest } = await packSnapshotArchive(snapshot, info);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, bytes, { mode: 0o600 });
    renameSync(temp, file);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // nothing was written
    }
    throw err;
  }
  return manifest;
}

/** The archive's bytes, for a file or for the history store. */
export async function packSnapshotArchive(snapshot: Snapshot, info: CaptureInfo): Promise<{ bytes: Buffer; manifest: SnapshotManifest }> {
  const pack = tar.pack();
  const manifest: SnapshotManifest = {
    format: SNAPSHOT_FORMAT,
    procdx: info.procdx,
    capturedAt: info.capturedAt,
    hostname: info.hostname,
    kernel: info.kernel,
    source: snapshot.source,
    cmdline: info.includeCmdline ? 'included' : 'redacted',
    run: snapshot.run,
    statSecond: null,
    vmstatSecond: null,
    kernelLog: null,
    files: {},
    links: {},
    dirs: {},
  };
  const entries: [string, string][] = [];
  for (const path of [...snapshot.files.keys()].sort()) {
    let read = snapshot.files.get(path)!;
    if (read.ok && path.endsWith('/cmdline') && !info.includeCmdline) read = { ok: true, text: redactCmdline(read.text) };
    if (read.ok) {
      manifest.files[path] = digest(read.text);
      entries.push([`${ROOT}/proc/${path}`, read.text]);
    } else {
      manifest.files[path] = failed(read);
    }
  }
  for (const path of [...snapshot.links.keys()].sort()) {
    const read = snapshot.links.get(path)!;
    manifest.links[path] = read.ok ? { target: read.target } : failed(read);
  }
  for (const path of [...snapshot.dirs.keys()].sort()) {
    const read = snapshot.dirs.get(path)!;
    manifest.dirs[path] = read.ok ? { entries: read.entries } : failed(read);
  }
  for (const [field, name] of SECOND_SAMPLES) {
    const sample = snapshot[field];
    if (!sample) continue;
    manifest[field] = { intervalMs: sample.intervalMs, read: sample.read.ok ? digest(sample.read.text) : failed(sample.read) };
    if (sample.read.ok) entries.push([`${ROOT}/${name}`, sample.read.text]);
  }
  if (snapshot.kernelLog) {
    const log = snapshot.kernelLog;
    const read = log.read.ok && !info.includeCmdline ? { ok: true as const, text: redactKernelLog(log.read.text) } : log.read;
    manifest.kernelLog = { source: log.source, ...pick(log), read: read.ok ? digest(read.text) : failed(read) };
    if (read.ok) entries.push([`${ROOT}/kernel-log`, read.text]);
  }

  const mtime = new Date(info.capturedAt);
  pack.entry({ name: `${ROOT}/manifest.json`, mtime, mode: 0o644 }, `${JSON.stringify(manifest, null, 1)}\n`);
  for (const [name, text] of entries) pack.entry({ name, mtime, mode: 0o644 }, text);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
  return { bytes: gzipSync(Buffer.concat(chunks)), manifest };
}

/**
 * Reads a snapshot archive back into the snapshot it was written from. Anything that is not a
 * whole, unaltered procdx snapshot (not gzip, truncated, a file missing or changed, an unknown
 * format) is refused with a SnapshotArchiveError saying what is wrong.
 */
export async function readSnapshotArchive(file: string): Promise<{ snapshot: Snapshot; manifest: SnapshotManifest }> {
  let packed: Buffer;
  try {
    packed = readFileSync(file);
  } catch (err) {
    throw new SnapshotArchiveError(file, `cannot read: ${(err as Error).message}`);
  }
  return unpackSnapshotArchive(packed, file);
}

/** A snapshot from archive bytes (a file's, or a stored run's); `name` is what errors call it. */
export async function unpackSnapshotArchive(packed: Buffer, file: string): Promise<{ snapshot: Snapshot; manifest: SnapshotManifest }> {
  if (packed.length > MAX_ARCHIVE_BYTES) throw new SnapshotArchiveError(file, `${packed.length} bytes is too large for a procdx snapshot`);
  let raw: Buffer;
  try {
    raw = gunzipSync(packed, { maxOutputLength: MAX_ARCHIVE_BYTES });
  } catch (err) {
    throw new SnapshotArchiveError(file, `not a gzip file or damaged (${(err as Error).message}); give a file written by procdx capture`);
  }
  const contents = await untar(file, raw);
  const manifestText = contents.get(`${ROOT}/manifest.json`);
  if (manifestText === undefined) throw new SnapshotArchiveError(file, `no ${ROOT}/manifest.json: not a procdx snapshot`);
  let manifest: SnapshotManifest;
  try {
    manifest = JSON.parse(manifestText) as SnapshotManifest;
  } catch {
    throw new SnapshotArchiveError(file, 'manifest.json is not valid JSON: the archive is damaged');
  }
  if (manifest.format !== SNAPSHOT_FORMAT) {
    throw new SnapshotArchiveError(file, `format '${String(manifest.format)}' is not ${SNAPSHOT_FORMAT}; this procdx cannot read it`);
  }

  const used = new Set([`${ROOT}/manifest.json`]);
  const fileRead = (name: string, entry: SnapshotManifest['files'][string]): FileRead => {
    if ('error' in entry) return { ok: false, ...entry };
    const text = contents.get(name);
    if (text === undefined) throw new SnapshotArchiveError(file, `${name} is listed in the manifest but missing: the archive is truncated or damaged`);
    const actual = digest(text);
    if (actual.sha256 !== entry.sha256 || actual.size !== entry.size) {
      throw new SnapshotArchiveError(file, `${name} does not match its sha256 in the manifest: the archive was altered or damaged`);
    }
    used.add(name);
    return { ok: true, text };
  };

  const snapshot: Snapshot = {
    source: manifest.source,
    files: new Map(),
    links: new Map(),
    dirs: new Map(),
    statSecond: null,
    vmstatSecond: null,
    kernelLog: null,
    run: manifest.run,
  };
  for (const [path, entry] of Object.entries(manifest.files)) snapshot.files.set(path, fileRead(`${ROOT}/proc/${path}`, entry));
  for (const [path, entry] of Object.entries(manifest.links)) {
    snapshot.links.set(path, ('target' in entry ? { ok: true, target: entry.target } : { ok: false, ...entry }) as LinkRead);
  }
  for (const [path, entry] of Object.entries(manifest.dirs)) {
    snapshot.dirs.set(path, ('entries' in entry ? { ok: true, entries: entry.entries } : { ok: false, ...entry }) as DirRead);
  }
  for (const [field, name] of SECOND_SAMPLES) {
    const sample = manifest[field];
    if (sample) snapshot[field] = { intervalMs: sample.intervalMs, read: fileRead(`${ROOT}/${name}`, sample.read) };
  }
  if (manifest.kernelLog) {
    const { read, ...rest } = manifest.kernelLog;
    snapshot.kernelLog = { ...rest, read: fileRead(`${ROOT}/kernel-log`, read) };
  }
  const extra = [...contents.keys()].filter((name) => !used.has(name));
  if (extra.length > 0) throw new SnapshotArchiveError(file, `${extra[0]} is not in the manifest: the archive was altered`);
  return { snapshot, manifest };
}

async function untar(file: string, raw: Buffer): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        if (header.type === 'file') contents.set(header.name, Buffer.concat(chunks).toString('utf8'));
        next();
      });
      stream.on('error', reject);
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from([raw]).pipe(extract);
  try {
    await done;
  } catch (err) {
    throw new SnapshotArchiveError(file, `not a tar archive or truncated (${(err as Error).message}); give a file written by procdx capture`);
  }
  return contents;
}

function digest(text: string): { sha256: string; size: number } {
  const bytes = Buffer.from(text, 'utf8');
  return { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
}

function failed(read: { error: string; afterMs?: number; reason?: string }): Failed {
  const out: Failed = { error: read.error };
  if (read.afterMs !== undefined) out.afterMs = read.afterMs;
  if (read.reason !== undefined) out.reason = read.reason;
  return out;
}

/** The optional fields of a kernel log capture, only those present. */
function pick(log: KernelLogCapture): Pick<KernelLogCapture, 'readAtSecs' | 'truncated'> {
  const out: Pick<KernelLogCapture, 'readAtSecs' | 'truncated'> = {};
  if (log.readAtSecs !== undefined) out.readAtSecs = log.readAtSecs;
  if (log.truncated !== undefined) out.truncated = log.truncated;
  return out;
}

/**
 * Audit records that carry a command line (EXECVE's arguments, PROCTITLE's hex command line):
 * the kernel prints them to its log when no audit daemon is running.
 */
const AUDIT_COMMAND_LINE = /audit: type=(?:1309|1327|EXECVE|PROCTITLE) /;

/**
 * The kernel log with the audit records that carry command-line arguments replaced, as command
 * lines are: the rest of a kernel log holds no arguments. Line count and order are kept, so
 * evidence line numbers stay right.
 */
export function redactKernelLog(text: string): string {
  if (!AUDIT_COMMAND_LINE.test(text)) return text;
  return text
    .split('\n')
    .map((line) => {
      const at = AUDIT_COMMAND_LINE.exec(line);
      return at ? `${line.slice(0, at.index)}audit: [record with command-line arguments redacted]` : line;
    })
    .join('\n');
}

/**
 * Keeps the program name of a command line and drops its arguments, which can hold passwords and
 * tokens. The program name is cut at the first space too: some programs (postgres, sshd) rewrite
 * argv[0] into a status line with user and database names.
 */
export function redactCmdline(text: string): string {
  const args = text.split('\0').filter((a) => a !== '');
  if (args.length === 0) return text === '' ? '' : '\0';
  const program = args[0]!.split(/\s/)[0]!;
  const dropped = args.length - 1 + (args[0] !== program ? 1 : 0);
  return dropped > 0 ? `${program}\0[${dropped} redacted]\0` : `${program}\0`;
}
