import type { SignatureCatalog } from './catalog.js';
import { splitStacks } from './stack-input.js';

export interface ClassifiedStack {
  label: string;
  line: number;
  waitClass: string;
  signature: string | null;
  /** The frames that decided it (fn+offset), or the top frames when no signature matched. */
  frames: string[];
}

/** `procdx stack classify`: each pasted stack's wait class, signature and deciding frames. */
export function classifyPasted(text: string, catalog: SignatureCatalog): ClassifiedStack[] {
  return splitStacks(text).map((stack) => {
    const c = catalog.classify(stack.frames);
    const show = (f: (typeof stack.frames)[number]): string => `${f.rawFn}${f.offset === null ? '' : `+0x${f.offset.toString(16)}`} (line ${f.line})`;
    return c
      ? { label: stack.label, line: stack.line, waitClass: c.signature.wait_class, signature: c.signature.id, frames: c.frames.map(show) }
      : { label: stack.label, line: stack.line, waitClass: 'unclassified', signature: null, frames: stack.frames.filter((f) => !f.unreliable).slice(0, 4).map(show) };
  });
}

export function formatClassified(stacks: ClassifiedStack[]): string {
  if (stacks.length === 0) return 'no stack found: give /proc/PID/stack lines or a kernel hung-task report\n';
  return stacks
    .map((s) =>
      s.signature
        ? `${s.label} (line ${s.line}): ${s.waitClass}, signature ${s.signature}\n  decided by ${s.frames.join(' <- ')}\n`
        : `${s.label} (line ${s.line}): unclassified, no signature matched\n  top frames ${s.frames.join(' <- ')}\n`,
    )
    .join('');
}
