import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from '../support/paths.js';

/** The vendored conformance corpus (see its README.md and VENDORED.md). */
export const conformanceDir = join(fixturesDir, 'conformance');

/** One fact of the corpus; the README's "Shape of expected.json" describes each key. */
export interface Fact {
  id: string;
  file: string;
  kind: string;
  where?: Record<string, string | number>;
  field: string;
  field_no?: number;
  value: unknown;
  value_type?: 'bigint';
  unit?: string;
  derived?: { value: unknown; unit: string; rule: string };
  computed?: { from?: string[]; rule: string };
  basis: 'asserted' | 'literal';
  note?: string;
}

/** A fact with the absolute paths of its file and of the root its file is relative to. */
export interface LocatedFact {
  fact: Fact;
  root: string;
  path: string;
}

/** The three fact lists of the corpus. */
export const INDEXES = ['expected.json', 'procfs-inline/index.json', 'insights-samples/index.json'] as const;

export const allFacts: LocatedFact[] = INDEXES.flatMap((index) => {
  const data = JSON.parse(readFileSync(join(conformanceDir, index), 'utf8')) as { root: string; facts: Fact[] };
  const root = join(conformanceDir, data.root);
  return data.facts.map((fact) => ({ fact, root, path: join(root, fact.file) }));
});

export function factsOf(...kinds: string[]): LocatedFact[] {
  return allFacts.filter((f) => kinds.includes(f.fact.kind));
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

/** Parses each file once, however many facts it has. */
export function memo<T>(parse: (path: string) => T): (path: string) => T {
  const cache = new Map<string, T>();
  return (path) => {
    if (!cache.has(path)) cache.set(path, parse(path));
    return cache.get(path)!;
  };
}

/** The raw value a fact expects; bigint facts are decimal strings in the JSON. */
export function expectedValue(fact: Fact): unknown {
  return fact.value_type === 'bigint' ? BigInt(fact.value as string) : fact.value;
}

/** `null` in the corpus means absent: the parser must give undefined or null, never 0 or "". */
export function assertFact(fact: Fact, actual: unknown): void {
  if (fact.value === null) {
    assert.ok(actual === undefined || actual === null, `${fact.id}: expected absent, got ${String(actual)}`);
  } else {
    assert.deepStrictEqual(actual, expectedValue(fact));
  }
}

/** For facts this suite has no check for: a new field in the corpus must fail, not pass unseen. */
export function unknownFact(fact: Fact): never {
  throw new Error(`${fact.id}: no check for kind "${fact.kind}" field "${fact.field}"; add one`);
}

/** A 0-based row index from `where`, for facts that pick a row. */
export function whereRow(fact: Fact): number {
  const row = fact.where?.row;
  assert.equal(typeof row, 'number', `${fact.id}: where.row`);
  return row as number;
}

/** Rounds like the corpus's computed facts ("4 decimals", "rounded to 2 places"). */
export function round(value: number, places: number): number {
  return Number(value.toFixed(places));
}
