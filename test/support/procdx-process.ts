import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export interface ProcdxRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** procdx in its own process, killed with SIGKILL if it overruns: a hang fails the test instead of the suite. */
export function runProcdx(args: string[], killAfterMs: number): Promise<ProcdxRun> {
  return new Promise((resolve) => {
    const started = performance.now();
    // Tests do not record their runs in the machine's history.
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'procdx.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PROCDX_STORE: 'none' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}
