import { schemaObject } from '../schemas.js';
import { closest } from '../suggest.js';
import { ENTITY_KINDS, type EntityKind } from './fact.js';

interface FactsSchema {
  properties: { facts: { properties: Record<string, unknown>; patternProperties?: Record<string, unknown> } };
  definitions: Record<string, { properties?: { facts?: { properties?: Record<string, unknown> } } }>;
}

/**
 * The names of every fact, as documented in schemas/facts.schema.json: what rules may name.
 * Global facts are listed by name (or by pattern, for the per-signature and per-wait-class
 * families); entity facts by the entity kind whose `for_each` rules may use them.
 */
export class FactCatalog {
  private readonly names: Set<string>;
  private readonly patterns: RegExp[];
  private readonly entityNames: Record<EntityKind, Set<string>>;

  constructor(schema: FactsSchema) {
    this.names = new Set(Object.keys(schema.properties.facts.properties));
    this.patterns = Object.keys(schema.properties.facts.patternProperties ?? {}).map((p) => new RegExp(p));
    const entityNames = {} as Record<EntityKind, Set<string>>;
    for (const kind of Object.keys(ENTITY_KINDS) as EntityKind[]) {
      entityNames[kind] = new Set(Object.keys(schema.definitions[`${kind}Entity`]?.properties?.facts?.properties ?? {}));
    }
    this.entityNames = entityNames;
  }

  /** True when a rule (applied to `forEach` entities, or host-wide) may name this fact. */
  has(name: string, forEach?: EntityKind): boolean {
    if (forEach && this.entityNames[forEach].has(name)) return true;
    return this.names.has(name) || this.patterns.some((p) => p.test(name));
  }

  /** The closest known name, for "did you mean" in load errors. */
  suggest(name: string, forEach?: EntityKind): string | undefined {
    return closest(name, [...this.names, ...(forEach ? this.entityNames[forEach] : [])]);
  }

  /** Facts of each entity kind, and the prefix they use, for error messages. */
  entityFacts(kind: EntityKind): string[] {
    return [...this.entityNames[kind]].sort();
  }
}

let cached: FactCatalog | undefined;

export function factCatalog(): FactCatalog {
  cached ??= new FactCatalog(schemaObject('facts.schema.json') as FactsSchema);
  return cached;
}
