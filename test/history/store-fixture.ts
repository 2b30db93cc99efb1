// Runs and temp stores for the history store tests.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunInput } from '../../src/history/store.js';

/** A small but complete run; fields can be overridden. */
export function makeRun(overrides: Partial<RunInput> = {}): RunInput {
  const ruleSource = 'id: mem-pressure\nwhen: memory.available_pct < 5\n';
  const digest = createHash('sha256').update(ruleSource).digest('hex');
  return {
    time: '2025-03-01T10:53:00.000Z',
    host: 'web-1',
    kernel: '6.1.0-18-amd64',
    procdxVersion: '0.1.0',
    command: ['procdx', 'diagnose', '--format', 'json'],
    snapshot: randomBytes(512),
    facts: JSON.stringify({ memory: { available_pct: 3.2 } }),
    report: JSON.stringify({ findings: [{ rule: 'mem-pressure', severity: 'warning', evidence: ['MemAvailable: 1024 kB'] }] }),
    reportText: 'WARNING mem-pressure: memory is low\n  MemAvailable: 1024 kB\n',
    rules: [{ id: 'mem-pressure', origin: 'builtin', file: 'rules/memory/mem-pressure.yaml', source: ruleSource, digest }],
    ruleSetDigest: createHash('sha256').update(digest).digest('hex'),
    timings: { collectMs: 12, factsMs: 3, rulesMs: 1 },
    exitCode: 1,
    severities: { critical: 0, warning: 1, info: 0 },
    firedRules: ['mem-pressure'],
    ...overrides,
  };
}

/** A temp dir with a store path in it; remove() deletes it all. */
export function tempStore(): { dir: string; path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'procdx-history-'));
  return { dir, path: join(dir, 'state', 'history.db'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
