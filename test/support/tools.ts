import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The path of an external program on PATH, or null. Tests that need one (promtool, cmark-gfm,
 * node_exporter, systemd-analyze) skip with a stated reason when it is absent; .ci/run installs
 * them from Debian's packages.
 */
export function which(program: string): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return join(dir, program);
    } catch {
      // not here
    }
  }
  return null;
}

/** The reason a test skips when `program` is absent, naming the Debian package that has it and whether .ci/run installs it. */
export function missing(program: string, debianPackage: string, ciInstalls = true): string {
  return `${program} is not installed (apt-get install --no-install-recommends ${debianPackage}${ciInstalls ? '; .ci/run does' : ''})`;
}
