#!/usr/bin/env node
// Entry point: the compiled CLI lives in dist/ (built by `npm run build`, which `npm ci` runs).
import { main } from '../dist/src/cli/main.js';

// A reader that stops early (`procdx rules list | head`) closes the pipe: end quietly, as cat does.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await main(process.argv);
