/**
 * A fact is one named value computed from /proc, with the places it came from. A fact that could
 * not be computed carries the reason instead of a value, so that the rules needing it can say
 * "not evaluated: <reason>" rather than silently passing.
 */
export type FactScalar = number | string | boolean | null;
export type FactValue = FactScalar | FactScalar[];

/** Where a value came from: the /proc path, the 1-based line, and the text of that line or an excerpt. */
export interface SourceRef {
  path: string;
  line?: number;
  excerpt?: string;
}

export type Fact =
  | { ok: true; value: FactValue; unit?: string; sources: SourceRef[] }
  | { ok: false; reason: string; sources: SourceRef[] };

export type FactMap = Map<string, Fact>;

/** Facts by name, read-only: a FactMap for host facts, or a view that computes an entity's facts when asked. */
export interface FactView {
  get(name: string): Fact | undefined;
  keys(): Iterable<string>;
}

/** What a per-entity finding is about. */
export type Subject =
  | { kind: 'host' }
  | { kind: 'process'; pid: number; comm: string }
  | { kind: 'zone'; node: string; zone: string }
  | { kind: 'command'; comm: string }
  | { kind: 'thread'; pid: number; tid: number; comm: string };

export interface Entity {
  subject: Subject;
  facts: FactView;
}

/** The entity kinds a rule can apply to with `for_each`, and the fact prefix each one's facts use. */
export const ENTITY_KINDS = {
  proc_target: 'target',
  process: 'process',
  command: 'command',
  thread: 'thread',
  zone: 'zone',
} as const;
export type EntityKind = keyof typeof ENTITY_KINDS;

export interface FactSet {
  facts: FactMap;
  entities: Record<EntityKind, Entity[]>;
  /** Why an entity list may be incomplete (e.g. fd links unreadable without root): its rules then say so. */
  gaps: Partial<Record<EntityKind, string>>;
}

export function known(value: FactValue, sources: SourceRef[], unit?: string): Fact {
  return unit === undefined ? { ok: true, value, sources } : { ok: true, value, unit, sources };
}

export function unknown(reason: string, sources: SourceRef[] = []): Fact {
  return { ok: false, reason, sources };
}

/** Evidence lists stay bounded: a handful of samples and a count of the rest. */
export const EVIDENCE_SAMPLES = 5;

export function procPath(path: string): string {
  return path === '' ? '/proc' : `/proc/${path}`;
}
