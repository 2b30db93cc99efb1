// The entry point of the single-file build (scripts/bundle.ts), as bin/procdx.js is the package's.
import { main } from './cli/main.js';

// A reader that stops early (`procdx rules list | head`) closes the pipe: end quietly, as cat does.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

void main(process.argv).then((code) => {
  process.exitCode = code;
});
