import { computeFacts, type ComputedFacts } from './facts/index.js';
import { evaluate } from './rules/evaluate.js';
import { loadRules, ruleDirOf, ruleSetSources, type RuleSetSource } from './rules/load.js';
import { BASE_LANG } from './rules/localize.js';
import { subDir } from './rules/rule-dir.js';
import type { Rule } from './rules/rule.js';
import { summarize, type Report } from './report/report.js';
import { loadSignatureCatalog, type SignatureCatalog } from './signatures/catalog.js';
import { collect, GLOBAL_FILES, type CollectOptions } from './snapshot/collect.js';
import type { Snapshot } from './snapshot/snapshot.js';
import type { ProcSource } from './snapshot/source.js';
import { VERSION } from './version.js';

export interface RuleBase {
  rules: Rule[];
  catalog: SignatureCatalog;
  /** The rule sets they came from, in precedence order (what a run record keeps). */
  sources: RuleSetSource[];
}

/** Rules and stack signatures from every rule set: built-in, /etc/procdx/rules.d, each --rules DIR. */
export function loadRuleBase(ruleDirs: string[], siteDir?: string): RuleBase {
  return loadRuleBaseFrom(ruleSetSources(ruleDirs, siteDir));
}

/** Rules and signatures from given rule sets (a replay rebuilds the sets a stored run used). */
export function loadRuleBaseFrom(sources: RuleSetSource[]): RuleBase {
  return {
    catalog: loadSignatureCatalog(sources.map((s) => subDir(ruleDirOf(s), 'signatures'))),
    rules: loadRules(sources),
    sources,
  };
}

export interface Diagnosis {
  snapshot: Snapshot;
  facts: ComputedFacts;
  report: Report;
  /** Milliseconds per stage. Not in the report: a replay must give the same bytes. */
  timings: { collectMs: number; factsMs: number; rulesMs: number };
}

/**
 * Collects, then diagnoses. The rule base is asked for while collection waits out the interval
 * between its two /proc/stat samples: loading rules is CPU work that would otherwise come before
 * the wait and add to it. `langFor` picks the report's language from the loaded rules.
 */
export async function diagnoseSource(
  source: ProcSource,
  loadBase: () => RuleBase,
  options: CollectOptions,
  langFor: (base: RuleBase) => string = () => BASE_LANG,
): Promise<Diagnosis> {
  const started = performance.now();
  const snapshot = await collect(source, { ...options, duringInterval: loadBase });
  const base = loadBase();
  const diagnosis = await diagnoseSnapshot(snapshot, base, langFor(base));
  diagnosis.timings.collectMs = performance.now() - started - diagnosis.timings.factsMs - diagnosis.timings.rulesMs;
  return diagnosis;
}

/** Facts and report from a snapshot already taken (live, or read back from a capture). */
export async function diagnoseSnapshot(snapshot: Snapshot, base: RuleBase, lang = BASE_LANG): Promise<Diagnosis> {
  const started = performance.now();
  const facts = computeFacts(snapshot, base.catalog);
  const factsDone = performance.now();
  const report = await reportFor(snapshot, facts, base, lang);
  return { snapshot, facts, report, timings: { collectMs: 0, factsMs: factsDone - started, rulesMs: performance.now() - factsDone } };
}

/** From computed facts to the report: pure, so that a replayed snapshot gives the same bytes. */
export async function reportFor(snapshot: Snapshot, facts: ComputedFacts, base: RuleBase, lang = BASE_LANG): Promise<Report> {
  const { findings, notEvaluated } = await evaluate(base.rules, facts, lang);
  const text = (name: string): string | null => {
    const fact = facts.facts.get(name);
    return fact?.ok ? String(fact.value) : null;
  };
  return {
    procdx: { version: VERSION },
    lang,
    source: snapshot.source,
    host: { hostname: text('kernel.hostname'), kernel: text('kernel.release') },
    summary: summarize(findings, base.rules, notEvaluated),
    findings,
    notEvaluated,
    unread: unreadFiles(snapshot, facts),
    run: snapshot.run,
  };
}

const GLOBAL = new Set<string>(GLOBAL_FILES);

function describeFailure(read: { error: string; reason?: string }): string {
  if (read.error === 'BLOCKED') return 'blocked: did not answer within the guard\'s deadline, given up';
  if (read.error === 'SKIPPED') return `skipped: ${read.reason ?? 'not tried'}`;
  return read.error;
}

/**
 * Reads that failed, grouped by reason. A per-task file that is gone (ENOENT) is a task that exited
 * while we read: normal churn, not reported. A host-wide file that is absent is reported.
 */
function unreadFiles(snapshot: Snapshot, facts: ComputedFacts): Report['unread'] {
  const byReason = new Map<string, string[]>();
  const add = (reason: string, path: string): void => {
    const list = byReason.get(reason) ?? [];
    list.push(`/proc/${path}`);
    byReason.set(reason, list);
  };
  for (const map of [snapshot.files, snapshot.links, snapshot.dirs]) {
    for (const [path, read] of map) {
      if (read.ok || (read.error === 'ENOENT' && !GLOBAL.has(path))) continue;
      add(describeFailure(read), path);
    }
  }
  for (const p of facts.problems) add('unparsable', p.path);
  // A kernel log that could not be read (no root, no /dev/kmsg); one not asked for is not a failed read.
  const log = snapshot.kernelLog;
  if (log && !log.read.ok && log.read.error !== 'SKIPPED') {
    const list = byReason.get(describeFailure(log.read)) ?? [];
    list.push(log.source);
    byReason.set(describeFailure(log.read), list);
  }
  return [...byReason]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([reason, paths]) => ({ reason, count: paths.length, sample: paths.sort().slice(0, 5) }));
}
