import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export interface VforkD {
  parentPid: number;
  childPid: number;
  /** Ends the child (the parent's vfork then returns, it reaps and exits) and waits until both are gone. */
  release(): Promise<void>;
}

/** Why a real D task cannot be made here, or null when it can. */
export function vforkUnavailable(): string | null {
  if (process.platform !== 'linux') return 'needs Linux';
  if (spawnSync('gcc', ['--version']).status !== 0) return 'needs gcc to build test/support/vfork-d.c';
  return null;
}

/** Starts a vfork parent that shows as D, and waits (up to 3 s) until the kernel says so. */
export async function startVforkD(ttlSeconds = 30): Promise<VforkD> {
  const dir = mkdtempSync(join(tmpdir(), 'procdx-vfork-'));
  const bin = join(dir, 'vfork-d');
  const build = spawnSync('gcc', ['-O2', '-o', bin, join(repoRoot, 'test', 'support', 'vfork-d.c')], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`gcc failed: ${build.stderr}`);
  const parent: ChildProcess = spawn(bin, [String(ttlSeconds)], { stdio: 'ignore' });
  const parentPid = parent.pid!;
  const exited = new Promise<void>((resolve) => parent.once('exit', () => resolve()));
  const deadline = Date.now() + 3000;
  let childPid: number | undefined;
  while (Date.now() < deadline) {
    childPid ??= findChild(parentPid);
    if (childPid !== undefined && taskState(parentPid) === 'D') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  if (childPid === undefined || taskState(parentPid) !== 'D') {
    parent.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`vfork parent ${parentPid} did not reach state D within 3 s (state ${taskState(parentPid)})`);
  }
  const child = childPid;
  return {
    parentPid,
    childPid: child,
    async release() {
      try {
        process.kill(child, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** State letter from /proc/PID/stat (after the last ')'), or undefined when the task is gone. */
export function taskState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

function findChild(parentPid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${parentPid}/task/${parentPid}/children`, 'utf8').trim();
    if (children !== '') return Number(children.split(/\s+/)[0]);
  } catch {
    // /proc/PID/task/TID/children needs CONFIG_PROC_CHILDREN; fall back to scanning ppids
  }
  for (const name of readdirSync('/proc').filter((n) => /^[0-9]+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parentPid) return Number(name);
    } catch {
      // exited while scanning
    }
  }
  return undefined;
}
