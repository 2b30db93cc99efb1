import type { ComputedFacts } from './index.js';
import type { Fact, FactView } from './fact.js';

/** Facts as JSON (the shape of schemas/facts.schema.json): names sorted, so output is stable. */
export function factsToJson(computed: ComputedFacts): Record<string, unknown> {
  const entities: Record<string, unknown> = {};
  for (const [kind, list] of Object.entries(computed.entities)) {
    entities[kind] = list.map((e) => ({ subject: e.subject, facts: mapToJson(e.facts) }));
  }
  return { facts: mapToJson(computed.facts), entities, problems: computed.problems };
}

function mapToJson(map: FactView): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of [...map.keys()].sort()) out[name] = factToJson(map.get(name)!);
  return out;
}

export function factToJson(fact: Fact): Record<string, unknown> {
  if (!fact.ok) return { unknown: fact.reason, sources: fact.sources };
  return fact.unit === undefined ? { value: fact.value, sources: fact.sources } : { value: fact.value, unit: fact.unit, sources: fact.sources };
}
