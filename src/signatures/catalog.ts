import { join } from 'node:path';
import { diskRuleDir, type RuleDir } from '../rules/rule-dir.js';
import { compileFileSchema, readRuleDirYaml, schemaProblems, type PositionMap } from '../rules/yaml-file.js';
import type { StackFrame } from '../parsers/stack.js';

export interface SignatureSpec {
  id: string;
  wait_class: string;
  context?: string;
  title: string;
  description: string;
  above?: string[];
  top: string[];
  below?: string[][];
}

export interface Signature extends SignatureSpec {
  file: string;
  match(frames: StackFrame[]): StackFrame[] | null;
}

export interface Classification {
  signature: Signature;
  /** The frames that decided the match: lock frames above, the top frame, and each `below` frame. */
  frames: StackFrame[];
}

export class SignatureCatalogError extends Error {
  constructor(readonly errors: string[]) {
    super(errors.join('\n'));
    this.name = 'SignatureCatalogError';
  }
}

/**
 * The stack signatures, most specific first (more `below` sets, then by id). The most specific
 * match classifies the stack: more `below` sets, then more frames decided (a page-lock waiter whose
 * helper frame folio_wait_bit_common is plain I/O's top frame is a page-lock wait), then id. So a
 * page wait under compaction is compaction, not plain I/O. Matching is a compiled closure over
 * sets of names (no regular expressions, no eval).
 */
export class SignatureCatalog {
  constructor(readonly signatures: Signature[]) {}

  classify(all: StackFrame[]): Classification | null {
    // arm64 (and some other) hung-task reports and stacks begin with the context-switch frame
    // itself, above the scheduler: it says nothing about the wait.
    let start = 0;
    while (start < all.length && CONTEXT_SWITCH.has(all[start]!.fn)) start++;
    const frames = start === 0 ? all : all.slice(start);
    let best: Classification | null = null;
    for (const signature of this.signatures) {
      // Sorted by `below` count: once one matched, a signature with fewer sets cannot win.
      if (best && (signature.below?.length ?? 0) < (best.signature.below?.length ?? 0)) break;
      const decided = signature.match(frames);
      if (decided && (!best || decided.length > best.frames.length)) best = { signature, frames: decided };
    }
    return best;
  }

  byId(id: string): Signature | undefined {
    return this.signatures.find((s) => s.id === id);
  }
}

/** Architecture context-switch frames that top a sleeping task's trace on some architectures. */
const CONTEXT_SWITCH = new Set(['__switch_to', 'cpu_switch_to', '__switch_to_asm']);

/** A set of frames: plain names match any offset; `name+0x4d` matches only that offset. */
type FrameSet = (frame: StackFrame) => boolean;

/**
 * Offsets tell apart places inside one function (observed on 6.18: __access_remote_vm+0x4d waits
 * for the lock, +0xd9 holds it), but they change with every kernel build: a signature names an
 * offset only where a site knows its kernel.
 */
function frameSet(specs: string[]): FrameSet {
  const names = new Set<string>();
  const exact = new Map<string, Set<number>>();
  for (const spec of specs) {
    const plus = spec.indexOf('+0x');
    if (plus === -1) {
      names.add(spec);
      continue;
    }
    const name = spec.slice(0, plus);
    const offsets = exact.get(name) ?? new Set<number>();
    offsets.add(parseInt(spec.slice(plus + 3), 16));
    exact.set(name, offsets);
  }
  return (frame) => names.has(frame.fn) || (frame.offset !== null && exact.get(frame.fn)?.has(frame.offset) === true);
}

export function compileSignature(spec: SignatureSpec, file: string): Signature {
  const above = frameSet(spec.above ?? []);
  const top = frameSet(spec.top);
  const below = (spec.below ?? []).map(frameSet);
  const match = (stack: StackFrame[]): StackFrame[] | null => {
    const frames = stack.filter((f) => !f.unreliable);
    let i = 0;
    while (i < frames.length && above(frames[i]!)) i++;
    const topFrame = frames[i];
    if (!topFrame || !top(topFrame)) return null;
    const decided = [...frames.slice(0, i), topFrame];
    for (const inSet of below) {
      do i++;
      while (i < frames.length && !inSet(frames[i]!));
      if (i >= frames.length) return null;
      decided.push(frames[i]!);
    }
    return decided;
  };
  return { ...spec, file, match };
}

/**
 * Loads every *.yaml in each directory (a set's signatures/; a string is a directory on disk);
 * all problems are collected as `file:line:column: message`, and any problem loads nothing. A
 * later directory's signature replaces an earlier one with the same id (site overrides); one
 * directory defines each id once.
 */
export function loadSignatureCatalog(dirs: (RuleDir | string)[]): SignatureCatalog {
  const validate = compileFileSchema<SignatureSpec>('signature.schema.json');
  const errors: string[] = [];
  const byId = new Map<string, Signature>();
  for (const given of dirs) {
    const dir = typeof given === 'string' ? diskRuleDir(given) : given;
    const listing = dir.list('');
    if (!listing.ok) {
      if (listing.error.code === 'ENOENT') continue;
      throw listing.error;
    }
    const names = listing.entries.map((e) => e.name).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'));
    const seen = new Map<string, { file: string; positions: PositionMap }>();
    for (const name of names) {
      const file = join(dir.shown, name);
      const read = readRuleDirYaml(dir, name, file);
      if (!read.ok) {
        errors.push(...read.errors);
        continue;
      }
      if (!validate(read.data)) {
        errors.push(...read.positions.format(file, schemaProblems(validate.errors, read.data)));
        continue;
      }
      const earlier = seen.get(read.data.id);
      if (earlier) {
        const p = earlier.positions.at('/id');
        errors.push(...read.positions.format(file, [{ pointer: '/id', message: `duplicate signature id '${read.data.id}' (also in ${earlier.file}:${p.line}:${p.column})` }]));
        continue;
      }
      seen.set(read.data.id, { file, positions: read.positions });
      byId.set(read.data.id, compileSignature(read.data, file));
    }
  }
  if (errors.length > 0) throw new SignatureCatalogError(errors);
  return new SignatureCatalog([...byId.values()].sort((a, b) => (b.below?.length ?? 0) - (a.below?.length ?? 0) || a.id.localeCompare(b.id)));
}
