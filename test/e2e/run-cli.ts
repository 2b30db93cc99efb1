import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in-process, as `procdx ARGS...`, capturing stdout and stderr (not TTYs unless `tty`
 * says so; a TTY stdout is `columns` wide, 80 by default). Tests do not record their runs in the
 * machine's history unless they give PROCDX_STORE.
 */
export async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = { PROCDX_STORE: 'none' },
  tty: { stderr?: boolean; stdout?: boolean; columns?: number } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        append(chunk.toString());
        callback();
      },
    });
  const err = Object.assign(sink((s) => (stderr += s)), { isTTY: tty.stderr ?? false });
  const out = Object.assign(sink((s) => (stdout += s)), tty.stdout ? { isTTY: true, columns: tty.columns ?? 80 } : { isTTY: false });
  const code = await main(['node', 'procdx', ...args], { stdout: out, stderr: err, env });
  return { code, stdout, stderr };
}
