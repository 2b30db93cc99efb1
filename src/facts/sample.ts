import { EVIDENCE_SAMPLES } from './fact.js';

/**
 * Picks a bounded, deterministic sample for evidence: one item per distinct key, rarest key first
 * (so a lone killall5 among 6,000 ps readers is shown; the bulk is described by `countByKey`),
 * then more items in input order if there are fewer keys than the limit.
 */
export function sampleDistinct<T>(items: T[], key: (item: T) => string, limit = EVIDENCE_SAMPLES): T[] {
  const first = new Map<string, { item: T; count: number; order: number }>();
  items.forEach((item, order) => {
    const k = key(item);
    const seen = first.get(k);
    if (seen) seen.count++;
    else first.set(k, { item, count: 1, order });
  });
  const picked = [...first.values()]
    .sort((a, b) => a.count - b.count || a.order - b.order)
    .slice(0, limit)
    .map((e) => e.item);
  for (const item of items) {
    if (picked.length >= limit) break;
    if (!picked.includes(item)) picked.push(item);
  }
  return picked;
}

/** ["ps 3998", "pgrep 300", "killall5 1"]: how many items per key, most first, ties by key. */
export function rankedCounts<T>(items: T[], key: (item: T) => string): string[] {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b)).map(([k, n]) => `${k} ${n}`);
}

/** "ps 3998, pgrep 300, killall5 1": how many items per key, most first, at most `limit` keys. */
export function countByKey<T>(items: T[], key: (item: T) => string, limit = 12): string {
  const ranked = rankedCounts(items, key);
  const shown = ranked.slice(0, limit);
  if (ranked.length > limit) shown.push(`${ranked.length - limit} more commands`);
  return shown.join(', ');
}
