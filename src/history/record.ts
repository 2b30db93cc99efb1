import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadRuleBaseFrom, type Diagnosis, type RuleBase } from '../diagnose.js';
import { factsToJson } from '../facts/serialize.js';
import { formatJson } from '../report/json.js';
import { exitCodeFor } from '../report/report.js';
import { formatText } from '../report/text.js';
import { ruleDirOf, type RuleSetSource } from '../rules/load.js';
import { diskRuleDir, filesUnder } from '../rules/rule-dir.js';
import { packSnapshotArchive } from '../snapshot/archive.js';
import { install } from '../install.js';
import { VERSION } from '../version.js';
import type { RunInput } from './store.js';

/**
 * One run as the history keeps it: the snapshot (the capture archive, command lines redacted),
 * the facts, the report as JSON and as text, and every rule and signature file of every rule set
 * with a sha256 each, so that a replay years later runs the same rules on the same data.
 */
export async function runRecord(d: Diagnosis, base: RuleBase, command: string[], time: string): Promise<RunInput> {
  const host = d.report.host;
  const { bytes } = await packSnapshotArchive(d.snapshot, {
    procdx: VERSION,
    capturedAt: time,
    hostname: host.hostname,
    kernel: host.kernel,
    includeCmdline: false,
  });
  const rules = ruleFiles(base.sources);
  return {
    time,
    host: host.hostname,
    kernel: host.kernel,
    procdxVersion: VERSION,
    command,
    snapshot: bytes,
    facts: JSON.stringify(storedFacts(d)),
    report: formatJson(d.report),
    reportText: formatText(d.report, { width: 80, color: false }),
    rules,
    ruleSetDigest: sha256(rules.map((r) => `${r.id} ${r.digest}\n`).join('')),
    timings: { collectMs: Math.round(d.timings.collectMs), factsMs: Math.round(d.timings.factsMs), rulesMs: Math.round(d.timings.rulesMs) },
    exitCode: exitCodeFor(d.report),
    severities: { critical: d.report.summary.critical, warning: d.report.summary.warning, info: d.report.summary.info },
    firedRules: [...new Set(d.report.findings.map((f) => f.rule))].sort(),
  };
}

/**
 * Entity kinds with one entity per task: 19 MB of facts on a 9,464-task host, and a pure function
 * of the stored snapshot and signatures, so a record names them instead of keeping them
 * (`procdx history replay` and `procdx facts --snapshot` compute them again).
 */
const RECOMPUTED_FROM_SNAPSHOT = ['process', 'thread'] as const;

function storedFacts(d: Diagnosis): Record<string, unknown> {
  const json = factsToJson(d.facts);
  const entities = { ...(json['entities'] as Record<string, unknown>) };
  for (const kind of RECOMPUTED_FROM_SNAPSHOT) delete entities[kind];
  return { ...json, entities, recomputedFromSnapshot: RECOMPUTED_FROM_SNAPSHOT };
}

/**
 * Every YAML file of every rule set (rules, overrides and signatures; not rule tests), named
 * `SET:PATH` with SET the set's place in the precedence order: enough to rebuild the sets.
 */
export function ruleFiles(sources: RuleSetSource[]): RunInput['rules'] {
  return sources.flatMap((source, index) => {
    const dir = ruleDirOf(source);
    return filesUnder(dir, (name) => /\.ya?ml$/.test(name) && !/\.test\.ya?ml$/.test(name), { regularOnly: true }).map((path) => {
      const read = dir.read(path);
      // The rules were just loaded from these files: one that cannot be read now changed under us.
      if (!read.ok) throw new Error(`${join(dir.shown, path)}: ${read.error}`);
      return { id: `${index}:${path}`, origin: source.origin, file: path, source: read.text, digest: sha256(read.text) };
    });
  });
}

/**
 * The rule sets a stored run used, written back to a temporary directory and loaded: the stored
 * rules, not today's. `dispose` removes the directory.
 */
export function storedRuleBase(rules: RunInput['rules']): { base: RuleBase; dispose: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'procdx-replay-'));
  try {
    const sets = new Map<number, RuleSetSource>();
    for (const rule of rules) {
      const index = Number(rule.id.slice(0, rule.id.indexOf(':')));
      const dir = join(root, String(index));
      if (!sets.has(index)) sets.set(index, { dir: diskRuleDir(dir, rule.origin === 'builtin' ? install.builtinRules.shown : rule.origin), origin: rule.origin });
      mkdirSync(dirname(join(dir, rule.file)), { recursive: true });
      writeFileSync(join(dir, rule.file), rule.source);
    }
    // Each set shows its files under its original name, so findings name the same rule files.
    const sources = [...sets].sort(([a], [b]) => a - b).map(([, s]) => s);
    const base = loadRuleBaseFrom(sources);
    return { base, dispose: () => rmSync(root, { recursive: true, force: true }) };
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
