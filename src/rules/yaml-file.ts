import yaml from 'js-yaml';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { closest } from '../suggest.js';
import { schemaObject } from '../schemas.js';
import { readBounded, type FileText, type RuleDir } from './rule-dir.js';

export { MAX_RULE_FILE_BYTES } from './rule-dir.js';
/** Levels of nested mappings and lists; a rule needs about ten. */
export const MAX_NESTING = 32;
/** Nodes that aliases may add to one file's data: a few anchors are fine, a billion laughs is not. */
export const MAX_ALIAS_NODES = 10_000;

/** 1-based line and column (in UTF-16 code units, as editors count them for most text). */
export interface Position {
  line: number;
  column: number;
}

/** A problem in a file at a JSON pointer into its data: the key of that node or its value. */
export interface Problem {
  pointer: string;
  message: string;
  part?: 'key' | 'value';
}

/**
 * Where each node of a YAML file's data starts, by JSON pointer (RFC 6901, as ajv's instancePath):
 * its key (for mapping entries) and its value. A pointer with no entry of its own, such as a node
 * reached through an alias, falls back to its nearest ancestor that has one.
 */
export class PositionMap {
  private nodes: Map<string, { key?: number; value: number }> | undefined;

  /** `mapNodes` builds the map of pointers on first use: most files load without an error to place. */
  constructor(
    private readonly lineStarts: number[],
    private readonly mapNodes: () => Map<string, { key?: number; value: number }>,
  ) {}

  at(pointer: string, part: 'key' | 'value' = 'value'): Position {
    this.nodes ??= this.mapNodes();
    for (let p = pointer; ; p = p.slice(0, p.lastIndexOf('/'))) {
      const node = this.nodes.get(p);
      if (node) return this.position(part === 'key' && p === pointer && node.key !== undefined ? node.key : node.value);
      if (p === '') return { line: 1, column: 1 };
    }
  }

  position(offset: number): Position {
    return offsetToPosition(this.lineStarts, offset);
  }

  /** `file:line:column: message` for each problem, in the order of their positions. */
  format(file: string, problems: Problem[]): string[] {
    const placed = problems.map((p) => ({ ...this.at(p.pointer, p.part), message: p.message }));
    placed.sort((a, b) => a.line - b.line || a.column - b.column);
    return [...new Set(placed.map((p) => `${file}:${p.line}:${p.column}: ${p.message}`))];
  }
}

export type YamlRead = { ok: true; data: unknown; positions: PositionMap } | { ok: false; errors: string[] };

/**
 * Reads one YAML document with the core schema only: no custom tags, so no YAML file can
 * construct code or objects beyond plain data. Every error is `file:line:column: message`, with
 * `shown` as the file's name. Size, nesting and alias expansion are limited while parsing, so a
 * hostile file is refused before anything walks its data.
 *
 * Positions come from js-yaml's `listener`, which reports each node's open and close. Three
 * quirks of those events are handled here: a node opens before the blanks and comments that
 * precede it (its start is found by skipping them); a scalar, and a flow collection inside a block
 * list, is reported twice, once nested in itself; and a node with an anchor or tag is sometimes
 * tried as a mapping key first, leaving stray events under it. Where the events do not line up
 * with the data, the map keeps the enclosing node's position rather than guess.
 */
export function readYamlFile(file: string, shown = file): YamlRead {
  return parseYamlRead(readBounded(file), shown);
}

/** A file of a rule directory (on disk or embedded), read and parsed as readYamlFile does. */
export function readRuleDirYaml(dir: RuleDir, path: string, shown: string): YamlRead {
  return parseYamlRead(dir.read(path), shown);
}

function parseYamlRead(read: FileText, shown: string): YamlRead {
  return read.ok ? parseYamlText(read.text, shown) : { ok: false, errors: [`${shown}:1:1: ${read.error}`] };
}

function parseYamlText(source: string, shown: string): YamlRead {
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const lineStarts = lineStartsOf(text);
  const at = (offset: number): string => {
    const p = offsetToPosition(lineStarts, offset);
    return `${shown}:${p.line}:${p.column}`;
  };

  const root: RawNode = { start: 0, end: text.length, kind: null, result: undefined, children: [] };
  const stack: RawNode[] = [root];
  const sizes = new WeakMap<object, number>();
  let aliasNodes = 0;
  let data: unknown;
  try {
    data = yaml.load(text, {
      filename: shown,
      schema: yaml.CORE_SCHEMA,
      listener: (event, state) => {
        if (event === 'open') {
          // Scalars and doubly reported nodes make the parser's depth up to twice the data's.
          if (stack.length > 2 * MAX_NESTING + 2) throw new LimitError(nestingMessage(), state.position);
          stack.push({ start: state.position, end: state.position, kind: null, result: undefined, children: [] });
          return;
        }
        const node = stack.pop()!;
        node.end = state.position;
        node.kind = (state.kind as string | null) ?? null;
        node.result = state.result;
        stack[stack.length - 1]!.children.push(node);
        const start = skipBlanks(text, node.start, node.end);
        if (node.children.length === 0 && text[start] === '*') {
          aliasNodes += expandedSize(node.result, sizes);
          if (aliasNodes > MAX_ALIAS_NODES) {
            throw new LimitError(
              `alias ${text.slice(start, start + 40).split(/[\s,\]}]/)[0]} expands the data past ${MAX_ALIAS_NODES} nodes added by aliases: aliases may share a few nodes, not multiply them`,
              start,
            );
          }
        }
      },
    });
  } catch (err) {
    if (err instanceof LimitError) return { ok: false, errors: [`${at(err.offset)}: ${err.message}`] };
    if (err instanceof yaml.YAMLException) {
      const mark = err.mark as { position: number } | undefined;
      let offset = mark ? mark.position : 0;
      if (!mark && root.children.length > 1) offset = root.children[1]!.start;
      let reason = err.reason;
      if (/^unknown tag/.test(reason)) {
        reason = `${reason}: rule files are plain data (YAML core schema), tags are not allowed`;
        // The parser notices after reading the tagged node; its tag is where the node starts.
        const open = stack[stack.length - 1]!;
        const start = skipBlanks(text, open.start, offset);
        if (stack.length > 1 && text[start] === '!') offset = start;
      }
      return { ok: false, errors: [`${at(Math.min(offset, text.length))}: ${reason}`] };
    }
    throw err;
  }

  const top = root.children[0];
  const positions = new PositionMap(lineStarts, () => {
    const nodes = new Map<string, { key?: number; value: number }>();
    if (top) mapNode(text, top, '', undefined, nodes);
    return nodes;
  });
  const deep = tooDeep(data, '', 1);
  if (deep !== null) return { ok: false, errors: positions.format(shown, [{ pointer: deep, message: nestingMessage() }]) };
  return { ok: true, data, positions };
}

function nestingMessage(): string {
  return `nesting deeper than ${MAX_NESTING} levels of mappings and lists`;
}

class LimitError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

interface RawNode {
  start: number;
  end: number;
  kind: string | null;
  result: unknown;
  children: RawNode[];
}

/**
 * A collection reported twice stands for its inner report, which has the children. A real element
 * is never the very object that contains it, so a first child with the same result is a repeat.
 */
function unwrap(node: RawNode): RawNode {
  let n = node;
  while (n.children.length > 0 && n.result !== null && typeof n.result === 'object' && n.children[0]!.result === n.result) n = n.children[0]!;
  return n;
}

function mapNode(text: string, raw: RawNode, pointer: string, key: number | undefined, nodes: Map<string, { key?: number; value: number }>): void {
  const node = unwrap(raw);
  const entry: { key?: number; value: number } = { value: skipBlanks(text, raw.start, raw.end) };
  if (key !== undefined) entry.key = key;
  nodes.set(pointer, entry);
  const result = node.result;
  if (node.kind === 'mapping' && isPlainObject(result)) {
    const kids = node.children;
    if (kids.length % 2 !== 0) return;
    for (let i = 0; i < kids.length; i += 2) {
      const k = unwrap(kids[i]!);
      const name = String(k.result);
      if (!Object.hasOwn(result, name)) return;
      mapNode(text, kids[i + 1]!, `${pointer}/${escapePointer(name)}`, skipBlanks(text, kids[i]!.start, kids[i]!.end), nodes);
    }
  } else if (node.kind === 'sequence' && Array.isArray(result) && node.children.length === result.length) {
    node.children.forEach((child, i) => mapNode(text, child, `${pointer}/${i}`, undefined, nodes));
  }
}

/** The first offset in [start, end) that is not a blank, a line break or a comment; `start` if there is none. */
function skipBlanks(text: string, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
    else if (c === '#') while (i < end && text[i] !== '\n') i++;
    else return i;
  }
  return start;
}

/** The number of nodes a value stands for once aliases are expanded, memoized per shared object. */
function expandedSize(value: unknown, sizes: WeakMap<object, number>): number {
  if (value === null || typeof value !== 'object') return 1;
  const known = sizes.get(value);
  if (known !== undefined) return known;
  let size = 1;
  for (const child of Object.values(value)) {
    size += expandedSize(child, sizes);
    if (size > MAX_ALIAS_NODES) break;
  }
  sizes.set(value, size);
  return size;
}

/** The pointer of the first collection nested deeper than the limit, or null. */
function tooDeep(value: unknown, pointer: string, depth: number): string | null {
  if (value === null || typeof value !== 'object') return null;
  if (depth > MAX_NESTING) return pointer;
  for (const [k, v] of Object.entries(value)) {
    const found = tooDeep(v, `${pointer}/${escapePointer(k)}`, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) starts.push(i + 1);
  }
  return starts;
}

function offsetToPosition(lineStarts: number[], offset: number): Position {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
}

export function escapePointer(segment: string): string {
  if (!segment.includes('~') && !segment.includes('/')) return segment;
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A JSON pointer from path segments: ['conditions', 'all', 0] -> /conditions/all/0. */
export function jsonPointer(...segments: (string | number)[]): string {
  return segments.map((s) => `/${escapePointer(String(s))}`).join('');
}

/** /conditions/all/0/operator -> conditions.all[0].operator, as a person reads a place in a rule. */
export function displayPath(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s, i) => (/^[0-9]+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`))
    .join('');
}

/** The value at a JSON pointer, or undefined. */
export function valueAt(data: unknown, pointer: string): unknown {
  if (pointer === '') return data;
  let value = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** A value as a rule author wrote it: 'text', 3, true, a list, a mapping, nothing. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  return String(value);
}

const TYPE_NAMES: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', number: 'a number', integer: 'a whole number', boolean: 'true or false', null: 'null' };

/**
 * The validator of a rule-file schema (rule or signature, which refer to no other schema), with
 * verbose errors: each carries the subschema it failed in, whose `properties` name the keys a
 * mapping allows. (Ajv's schemaPath inside a `$ref` does not say which definition it was.)
 */
export function compileFileSchema<T>(name: string): ValidateFunction<T> {
  let validate = fileValidators.get(name);
  if (!validate) {
    // Once per process: rules and signatures load on every run. The meta-schema check is the
    // schemas test's (test/schemas.test.ts), and unoptimised code validates the same, sooner.
    const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, verbose: true, validateSchema: false, code: { optimize: false } });
    validate = ajv.compile(schemaObject(name));
    fileValidators.set(name, validate);
  }
  return validate as ValidateFunction<T>;
}

const fileValidators = new Map<string, ValidateFunction>();

/**
 * Ajv's errors as problems at the node they are about, one useful message each. The schemas
 * discriminate their shapes with if/then (never oneOf), so an error is about the shape the author
 * meant; the `if` errors that only say "must match then" are dropped. Needs a validator from
 * compileFileSchema.
 */
export function schemaProblems(errors: ErrorObject[] | null | undefined, data: unknown): Problem[] {
  const problems: Problem[] = [];
  for (const e of errors ?? []) {
    if (e.keyword === 'if' || e.keyword === 'propertyNames') continue;
    const path = e.instancePath;
    const shown = displayPath(path);
    const field = (message: string) => (shown === '' ? message : `${shown}: ${message}`);
    const value = valueAt(data, path);
    const properties = Object.keys((e.parentSchema?.['properties'] as object | undefined) ?? {});
    if (e.propertyName !== undefined) {
      problems.push({ pointer: `${path}/${escapePointer(e.propertyName)}`, part: 'key', message: field(`invalid name '${e.propertyName}': ${e.message ?? 'invalid'}`) });
      continue;
    }
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String(e.params['additionalProperty']);
        const hint = closest(key, properties);
        const where = shown === '' ? '' : ` in ${shown}`;
        const extra = overrideHint(properties, key) ?? (hint ? `did you mean '${hint}'?` : properties.length > 0 ? `allowed: ${properties.join(', ')}` : '');
        problems.push({ pointer: `${path}/${escapePointer(key)}`, part: 'key', message: `unknown key '${key}'${where}${extra ? ` (${extra})` : ''}` });
        break;
      }
      case 'required': {
        const where = shown === '' ? '' : ` in ${shown}`;
        const key = String(e.params['missingProperty']);
        const why = key === 'safe' ? ': a command says whether it is safe to paste (true: read-only, false: changes the system)' : '';
        problems.push({ pointer: path, message: `missing required key '${key}'${where}${why}` });
        break;
      }
      case 'enum': {
        const allowed = (e.params['allowedValues'] as unknown[]).map(String);
        const hint = typeof value === 'string' ? closest(value, allowed) : undefined;
        const suggestion = hint ? ` (did you mean '${hint}'?)` : '';
        if (path.endsWith('/operator')) {
          problems.push({ pointer: path, message: field(`unknown operator ${describeValue(value)}${suggestion} (known: ${allowed.join(', ')})`) });
        } else {
          problems.push({ pointer: path, message: field(`must be one of ${allowed.join(', ')}, not ${describeValue(value)}${suggestion}`) });
        }
        break;
      }
      case 'const':
        problems.push({ pointer: path, message: field(`must be ${JSON.stringify(e.params['allowedValue'])}, not ${describeValue(value)}`) });
        break;
      case 'type': {
        const types = String(e.params['type']).split(',').map((t) => TYPE_NAMES[t] ?? t);
        const wanted = types.length > 1 ? `${types.slice(0, -1).join(', ')} or ${types[types.length - 1]}` : types[0];
        problems.push({ pointer: path, message: shown === '' ? `the file must be ${wanted}, not ${describeValue(value)}` : field(`must be ${wanted}, not ${describeValue(value)}`) });
        break;
      }
      case 'pattern':
        problems.push({ pointer: path, message: field(`${describeValue(value)} does not match the pattern ${String(e.params['pattern'])}`) });
        break;
      case 'uniqueItems': {
        const [i, j] = [Number(e.params['i']), Number(e.params['j'])];
        const later = Math.max(i, j);
        problems.push({ pointer: `${path}/${later}`, message: field(`${describeValue((value as unknown[])[later])} is listed twice (items ${Math.min(i, j)} and ${later})`) });
        break;
      }
      case 'minProperties':
      case 'maxProperties':
        if (properties.includes('all') && properties.includes('not')) {
          problems.push({ pointer: path, message: field('a condition is either fact, operator and value, or exactly one of all, any, not') });
        } else if (properties.includes('fact') && properties.includes('param')) {
          problems.push({ pointer: path, message: field('give exactly one of {fact: NAME} or {param: NAME}') });
        } else {
          problems.push({ pointer: path, message: field(e.message ?? 'invalid') });
        }
        break;
      default:
        problems.push({ pointer: path, message: field(e.message ?? 'invalid') });
    }
  }
  return problems;
}

/** Keys an override may not change get a reason instead of a list. */
function overrideHint(allowed: string[], key: string): string | undefined {
  if (!allowed.includes('override') || allowed.includes('conditions')) return undefined;
  if (key === 'conditions' || key === 'for_each') {
    return `an override cannot change ${key}; to change it, replace the whole rule: a file with the same id and no override: true`;
  }
  return undefined;
}
