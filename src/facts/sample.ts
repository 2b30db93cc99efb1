import { EVIDENCE_SAMPLES } from './fact.js';

/**
 * Picks a bounded, deterministic sample for evidence: one item per distinct key first (so a lone
 * killall5 among 6,000 ps readers is shown), then the rest in input order.
 */
export function sampleDistinct<T>(items: T[], key: (item: T) => string, limit = EVIDENCE_SAMPLES): T[] {
  const picked: T[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    if (picked.length >= limit) break;
    const k = key(item);
    if (!seen.has(k)) {
      seen.add(k);
      picked.push(item);
    }
  }
  for (const item of items) {
    if (picked.length >= limit) break;
    if (!picked.includes(item)) picked.push(item);
  }
  return picked;
}
