import type { FactValue } from '../facts/fact.js';
import type { Params } from './rule.js';

/**
 * Message templates: literal text with `{{ fact.name }}` or `{{ fact.name | filter }}` slots, and
 * `{{ params.NAME }}` for one of the rule's own params. The only things a slot can reach are a fact
 * value and a param of its rule, and the only transformations are these filters.
 */
export const FILTERS: Record<string, (value: FactValue, arg: number | undefined) => string> = {
  /** fixed(1): 12.6 */
  fixed: (v, digits) => (typeof v === 'number' ? v.toFixed(digits ?? 0) : String(v)),
  /** 0.024 -> 2.4% */
  percent: (v, digits) => (typeof v === 'number' ? `${(v * 100).toFixed(digits ?? (v < 0.1 ? 1 : 0))}%` : String(v)),
  /** 19456000 (kB) -> 18.6 GiB */
  kb: (v) => (typeof v === 'number' ? humanKb(v) : String(v)),
  /** ["cmdline","environ"] -> cmdline, environ */
  list: (v) => (Array.isArray(v) ? v.join(', ') : String(v)),
  /** [7912, 7913] -> 7912 7913 (for a shell loop) */
  words: (v) => (Array.isArray(v) ? v.join(' ') : String(v)),
};

interface SlotBase {
  filter?: string;
  arg?: number;
}
/** A fact's value, or (`{{ params.NAME }}`) one of the rule's params. */
export type Slot = (SlotBase & { fact: string }) | (SlotBase & { param: string });

const PARAMS_PREFIX = 'params.';
const PARAM_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export type Part = string | Slot;

const SLOT = /\{\{\s*([A-Za-z][A-Za-z0-9_.-]*)\s*(?:\|\s*([a-z]+)(?:\(\s*([0-9]{1,2})\s*\))?\s*)?\}\}/g;

export type ParsedTemplate = { ok: true; parts: Part[] } | { ok: false; error: string };

export function parseTemplate(text: string): ParsedTemplate {
  const parts: Part[] = [];
  let last = 0;
  for (const m of [...text.matchAll(SLOT), null]) {
    const literal = text.slice(last, m ? m.index : text.length);
    const stray = literal.search(/\{\{|\}\}/);
    if (stray !== -1) return { ok: false, error: `malformed slot near '${literal.slice(stray, stray + 40)}': a slot is {{ fact.name }} or {{ fact.name | filter }}` };
    if (literal !== '') parts.push(literal);
    if (!m) break;
    const [whole, fact, filter, arg] = m;
    if (filter !== undefined && !(filter in FILTERS)) {
      return { ok: false, error: `unknown filter '${filter}' in '${whole}' (known: ${Object.keys(FILTERS).join(', ')})` };
    }
    let slot: Slot;
    if (fact === 'params' || fact!.startsWith(PARAMS_PREFIX)) {
      const name = fact!.slice(PARAMS_PREFIX.length);
      if (!PARAM_NAME.test(name)) return { ok: false, error: `malformed param slot '${whole}': a param slot is {{ params.NAME }}` };
      slot = { param: name };
    } else {
      slot = { fact: fact! };
    }
    if (filter !== undefined) slot.filter = filter;
    if (arg !== undefined) slot.arg = Number(arg);
    parts.push(slot);
    last = m.index + whole.length;
  }
  return { ok: true, parts };
}

export function templateFacts(parts: Part[]): string[] {
  return parts.flatMap((p) => (typeof p !== 'string' && 'fact' in p ? [p.fact] : []));
}

/** The params a template shows, by name. */
export function templateParams(parts: Part[]): string[] {
  return parts.flatMap((p) => (typeof p !== 'string' && 'param' in p ? [p.param] : []));
}

/**
 * Fills a parsed template; `lookup` returns undefined for a fact that is unknown, shown as
 * "unknown". Param slots read only `params`' own keys (checked at load time).
 */
export function renderTemplate(parts: Part[], lookup: (fact: string) => FactValue | undefined, params: Params = {}): string {
  return parts
    .map((p) => {
      if (typeof p === 'string') return p;
      const value = 'fact' in p ? lookup(p.fact) : Object.hasOwn(params, p.param) ? params[p.param] : undefined;
      if (value === undefined) return 'unknown';
      return p.filter ? FILTERS[p.filter]!(value, p.arg) : Array.isArray(value) ? value.join(', ') : String(value);
    })
    .join('');
}

function humanKb(kb: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = kb;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value >= 100 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}
