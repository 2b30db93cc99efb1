import type { NotEvaluated } from '../../src/findings/finding.js';

/**
 * A fixture tree is a static directory: its /proc/vmstat reads the same twice, so rules on
 * rates (swap, reclaim, OOM kills per second) are rightly "not evaluated" there. These are the
 * reasons a tree may give; any other not-evaluated rule is a gap the test must explain.
 */
const STATIC_TREE = /the two \/proc\/vmstat samples are the same text \(a static tree\)/;

/** Reasons of kernels older than the facts: MemAvailable (3.14), oom_kill (4.13), PSI (4.20, and off by default on RHEL). */
const OLDER_KERNEL = /\(older kernel\)|PSI needs 4\.20\+/;

export function unexplainedGaps(notEvaluated: NotEvaluated[], options: { olderKernel?: boolean } = {}): NotEvaluated[] {
  return notEvaluated.filter((n) => !STATIC_TREE.test(n.reason) && !(options.olderKernel && OLDER_KERNEL.test(n.reason)));
}
