import { subjectKey, type Finding } from '../findings/finding.js';
import type { Rule } from './rule.js';

/** Two findings whose rules declare (`contradicts`, either way) that they cannot both be true about one subject. */
export interface Contradiction {
  a: Finding;
  b: Finding;
}

export function findContradictions(rules: Rule[], findings: Finding[]): Contradiction[] {
  const pairs = new Set<string>();
  for (const rule of rules) {
    for (const other of rule.contradicts ?? []) {
      pairs.add(`${rule.id}\n${other}`);
      pairs.add(`${other}\n${rule.id}`);
    }
  }
  if (pairs.size === 0) return [];
  const bySubject = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = subjectKey(f.subject);
    bySubject.set(key, [...(bySubject.get(key) ?? []), f]);
  }
  const found: Contradiction[] = [];
  for (const list of bySubject.values()) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        if (pairs.has(`${list[i]!.rule}\n${list[j]!.rule}`)) found.push({ a: list[i]!, b: list[j]! });
      }
    }
  }
  return found;
}
