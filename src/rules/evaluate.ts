import { Engine } from 'json-rules-engine';
import { type Entity, type Fact, type FactSet, type FactValue, type FactView, type Subject } from '../facts/fact.js';
import { EVIDENCE_SAMPLES } from '../facts/fact.js';
import { compareFindings, subjectKey, type Evidence, type Finding, type NotEvaluated } from '../findings/finding.js';
import { compileCondition, conditionFacts, decidingLeaves, isFactRef, type Lookup3 } from './conditions.js';
import { BASE_LANG, localizeRule } from './localize.js';
import type { Rule } from './rule.js';
import { parseTemplate, renderTemplate, templateFacts } from './template.js';

export interface Evaluation {
  findings: Finding[];
  notEvaluated: NotEvaluated[];
}

/**
 * Runs the rules over computed facts. Host-wide rules go to json-rules-engine in one run; rules with
 * `for_each` are compiled predicates applied to each entity (thousands of processes would make the
 * engine the bottleneck). A rule whose facts are unknown is reported as not evaluated, never handed
 * to the engine: the engine would reject the whole run on one undefined fact. Titles, messages and
 * advice are written in `lang` where the rule has them (English otherwise).
 */
export async function evaluate(allRules: Rule[], factSet: FactSet, lang = BASE_LANG): Promise<Evaluation> {
  const rules = allRules.map((rule) => localizeRule(rule, lang));
  const fired: Finding[] = [];
  const notEvaluated: NotEvaluated[] = [];
  const engine = new Engine([], { allowUndefinedFacts: false });
  const global = factSet.facts;
  const engineRules: Rule[] = [];

  for (const rule of rules) {
    if (rule.for_each) {
      fired.push(...evaluateForEach(rule, factSet.entities[rule.for_each], global, notEvaluated));
      const gap = factSet.gaps[rule.for_each];
      if (gap) notEvaluated.push({ rule: rule.id, reason: gap });
      continue;
    }
    if (unknownFacts(conditionFacts(rule.conditions), global) === null) {
      engine.addRule({ name: rule.id, conditions: rule.conditions as never, event: { type: rule.id } });
      engineRules.push(rule);
      continue;
    }
    // Some facts are unknown: the rule is decided only if the known ones settle it.
    const truth = compileCondition(rule.conditions)(lookupIn(global));
    if (truth === true) fired.push(buildFinding(rule, { kind: 'host' }, global, undefined));
    else if (truth === null) notEvaluated.push({ rule: rule.id, reason: unknownFacts(conditionFacts(rule.conditions), global)! });
  }

  if (engineRules.length > 0) {
    const values: Record<string, unknown> = {};
    for (const [name, fact] of global) if (fact.ok) values[name] = fact.value;
    const { events } = await engine.run(values);
    const firedIds = new Set(events.map((e) => e.type));
    const lookup = lookupIn(global);
    for (const rule of engineRules) {
      const held = compileCondition(rule.conditions)(lookup) === true;
      if (held !== firedIds.has(rule.id)) {
        throw new Error(`procdx bug: json-rules-engine and the compiled conditions disagree on rule ${rule.id}`);
      }
      if (held) fired.push(buildFinding(rule, { kind: 'host' }, global, undefined));
    }
  }

  linkBecause(fired, rules);
  return { findings: fired.sort(compareFindings), notEvaluated };
}

function evaluateForEach(rule: Rule, entities: Entity[], global: FactView, notEvaluated: NotEvaluated[]): Finding[] {
  const names = conditionFacts(rule.conditions);
  const predicate = compileCondition(rule.conditions);
  const findings: Finding[] = [];
  const undecided = new Map<string, Subject[]>();
  for (const entity of entities) {
    const truth = predicate(lookupIn(entity.facts, global));
    if (truth === true) {
      findings.push(buildFinding(rule, entity.subject, global, entity.facts));
    } else if (truth === null) {
      const reason = unknownFacts(names, entity.facts, global)!;
      const list = undecided.get(reason) ?? [];
      list.push(entity.subject);
      undecided.set(reason, list);
    }
  }
  for (const [reason, subjects] of [...undecided].sort(([a], [b]) => a.localeCompare(b))) {
    notEvaluated.push({ rule: rule.id, reason, subjects: { count: subjects.length, sample: subjects.slice(0, EVIDENCE_SAMPLES) } });
  }
  return findings;
}

/** The first fact that is not known, as "fact: reason"; null when all are known. */
function unknownFacts(names: string[], ...maps: FactView[]): string | null {
  for (const name of names) {
    const fact = find(name, maps);
    if (!fact) return `${name}: not computed on this host`;
    if (!fact.ok) return `${name}: ${fact.reason}`;
  }
  return null;
}

function find(name: string, maps: FactView[]): Fact | undefined {
  for (const map of maps) {
    const fact = map.get(name);
    if (fact) return fact;
  }
  return undefined;
}

function lookupIn(...maps: FactView[]): Lookup3 {
  return (name) => {
    const fact = find(name, maps);
    return fact?.ok ? { known: true, value: fact.value } : { known: false };
  };
}

function buildFinding(rule: Rule, subject: Subject, global: FactView, entity: FactView | undefined): Finding {
  const maps = entity ? [entity, global] : [global];
  const lookup = lookupIn(...maps);
  const valueOf = (name: string): FactValue => {
    const v = lookup(name);
    return v.known ? v.value : null;
  };
  const evidence: Evidence[] = [];
  const cited = new Set<string>();
  for (const outcome of decidingLeaves(rule.conditions, lookup)) {
    const fact = find(outcome.leaf.fact, maps) as Extract<Fact, { ok: true }>;
    const threshold = outcome.leaf.value;
    const item: Evidence = {
      fact: outcome.leaf.fact,
      value: fact.value,
      operator: outcome.leaf.operator,
      threshold: isFactRef(threshold) ? valueOf(threshold.fact) : (threshold as FactValue),
      sources: fact.sources,
    };
    if (fact.unit) item.unit = fact.unit;
    if (outcome.leaf.param) item.param = outcome.leaf.param;
    if (outcome.negated) item.negated = true;
    evidence.push(item);
    cited.add(outcome.leaf.fact);
    if (isFactRef(threshold) && !cited.has(threshold.fact)) {
      evidence.push(citedEvidence(threshold.fact, maps));
      cited.add(threshold.fact);
    }
  }
  const render = (text: string): string => {
    const parsed = parseTemplate(text);
    if (!parsed.ok) throw new Error(`procdx bug: template of ${rule.id} was not checked at load: ${parsed.error}`);
    for (const name of templateFacts(parsed.parts)) {
      if (!cited.has(name)) {
        evidence.push(citedEvidence(name, maps));
        cited.add(name);
      }
    }
    return renderTemplate(
      parsed.parts,
      (name) => {
        const fact = find(name, maps);
        return fact?.ok ? fact.value : undefined;
      },
      rule.params,
    );
  };
  const message = render(rule.message);
  const advice = (rule.advice ?? []).map((a) => {
    const out: Finding['advice'][number] = { text: render(a.text) };
    if (a.command) out.command = render(a.command);
    if (a.safe !== undefined) out.safe = a.safe;
    return out;
  });
  return {
    id: `${rule.id}@${subjectKey(subject)}`,
    rule: rule.id,
    severity: rule.severity,
    title: rule.title,
    message,
    subject,
    evidence,
    because: [],
    advice,
    references: rule.references ?? [],
    ruleFile: rule.file,
  };
}

/** A fact a message names without testing it: shown with its value (or why it is unknown) and sources. */
function citedEvidence(name: string, maps: FactView[]): Evidence {
  const fact = find(name, maps);
  if (!fact) return { fact: name, value: null, unknown: 'not computed on this host', sources: [] };
  if (!fact.ok) return { fact: name, value: null, unknown: fact.reason, sources: fact.sources };
  return fact.unit ? { fact: name, value: fact.value, unit: fact.unit, sources: fact.sources } : { fact: name, value: fact.value, sources: fact.sources };
}

/**
 * Fills `because` from `requires`: every fired finding of a required rule, except that a finding
 * about one process builds only on findings about the same process (or about the host or a zone).
 */
function linkBecause(findings: Finding[], rules: Rule[]): void {
  const byRule = new Map<string, Finding[]>();
  for (const f of findings) byRule.set(f.rule, [...(byRule.get(f.rule) ?? []), f]);
  const requires = new Map(rules.map((r) => [r.id, r.requires ?? []]));
  for (const finding of findings) {
    const because = (requires.get(finding.rule) ?? []).flatMap((id) => byRule.get(id) ?? []);
    finding.because = because
      .filter((b) => !(finding.subject.kind === 'process' && b.subject.kind === 'process' && b.subject.pid !== finding.subject.pid))
      .map((b) => b.id)
      .sort();
  }
}
