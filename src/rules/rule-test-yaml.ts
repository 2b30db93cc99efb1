import { readFileSync, statSync } from 'node:fs';
import yaml from 'js-yaml';

/** Rule test files hold a few dozen cases; anything larger is a mistake, not a test file. */
export const MAX_TEST_FILE_BYTES = 256 * 1024;
/** Aliases can make a small file expand to an enormous tree (billion laughs); walking stops here. */
const MAX_EXPANDED_NODES = 100_000;

/** 1-based line and column of a YAML node. */
export interface Position {
  line: number;
  column: number;
}

/** A path into the loaded data: mapping keys and sequence indexes. */
export type DataPath = (string | number)[];

export interface PositionedYaml {
  data: unknown;
  /** Where the node at `path` starts (a mapping entry: its key); the nearest enclosing node when that node has no position of its own (an alias). */
  at(path: DataPath): Position;
  /** Where the value at `path` starts (a mapping entry: its value, not its key). */
  valueAt(path: DataPath): Position;
}

export type PositionedRead = { ok: true; doc: PositionedYaml } | { ok: false; errors: string[] };

interface Node {
  start: number;
  kind: string | null;
  result: unknown;
  children: Node[];
}

/**
 * Reads one YAML document with js-yaml's core schema (no custom tags, so nothing but plain data can
 * be constructed) and records where each node starts, from the loader's open and close events: a
 * mapping's children arrive as key, value, key, value; a sequence's as its items. Errors are
 * `file:line:column: message`.
 */
export function readPositionedYaml(file: string, shown = file): PositionedRead {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_TEST_FILE_BYTES) return { ok: false, errors: [`${shown}: ${size} bytes is over the ${MAX_TEST_FILE_BYTES}-byte limit for a rule test file`] };
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, errors: [`${shown}: cannot read: ${(err as Error).message}`] };
  }
  const stack: Node[] = [{ start: 0, kind: null, result: undefined, children: [] }];
  let data: unknown;
  try {
    data = yaml.load(text, {
      filename: shown,
      schema: yaml.CORE_SCHEMA,
      listener(event, state) {
        if (event === 'open') {
          stack.push({ start: state.position, kind: null, result: undefined, children: [] });
          return;
        }
        const node = stack.pop()!;
        node.kind = state.kind;
        node.result = state.result;
        stack[stack.length - 1]!.children.push(node);
      },
    });
  } catch (err) {
    if (err instanceof yaml.YAMLException) {
      const mark = err.mark as { line: number; column: number } | undefined;
      return { ok: false, errors: [`${mark ? `${shown}:${mark.line + 1}:${mark.column + 1}` : shown}: ${err.reason}`] };
    }
    throw err;
  }
  if (countNodes(data, MAX_EXPANDED_NODES) > MAX_EXPANDED_NODES) {
    return { ok: false, errors: [`${shown}: expands to more than ${MAX_EXPANDED_NODES} nodes through aliases; a rule test file never needs that many`] };
  }

  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const positionOf = (offset: number): Position => {
    const at = skipBlank(text, offset);
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: at - lineStarts[lo]! + 1 };
  };

  const positions = new Map<string, Position>();
  const values = new Map<string, Position>();
  const index = (node: Node, path: string): void => {
    values.set(path, positionOf(node.start));
    if (!positions.has(path)) positions.set(path, positionOf(node.start));
    if (node.kind === 'mapping') {
      for (let i = 0; i + 1 < node.children.length; i += 2) {
        const key = node.children[i]!;
        if (typeof key.result !== 'string' && typeof key.result !== 'number') continue;
        const child = `${path}/${encode(String(key.result))}`;
        positions.set(child, positionOf(key.start));
        index(node.children[i + 1]!, child);
      }
    } else if (node.kind === 'sequence') {
      node.children.forEach((item, i) => index(item, `${path}/${i}`));
    }
  };
  const root = stack[0]!.children[0];
  if (root) index(root, '');

  return {
    ok: true,
    doc: {
      data,
      at: (path) => nearest(positions, path),
      valueAt: (path) => values.get(pointer(path)) ?? nearest(positions, path),
    },
  };
}

function pointer(path: DataPath): string {
  return path.map((p) => `/${encode(String(p))}`).join('');
}

function nearest(positions: Map<string, Position>, path: DataPath): Position {
  for (let n = path.length; n >= 0; n--) {
    const found = positions.get(pointer(path.slice(0, n)));
    if (found) return found;
  }
  return { line: 1, column: 1 };
}

/** Counts nodes as a consumer walking the data would see them (aliases expanded), stopping past `limit`. */
function countNodes(data: unknown, limit: number): number {
  let count = 0;
  const walk = (value: unknown): void => {
    if (++count > limit) return;
    if (Array.isArray(value)) {
      for (const item of value) {
        walk(item);
        if (count > limit) return;
      }
    } else if (value !== null && typeof value === 'object') {
      for (const item of Object.values(value)) {
        walk(item);
        if (count > limit) return;
      }
    }
  };
  walk(data);
  return count;
}

/** The loader opens a node before skipping the blanks and comments in front of it. */
function skipBlank(text: string, offset: number): number {
  let i = offset;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      while (i < text.length && text[i] !== '\n') i++;
    } else break;
  }
  return i;
}

function encode(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
