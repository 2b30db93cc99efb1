import { isFactRef } from '../rules/conditions.js';
import { isLeaf, type Condition, type Rule } from '../rules/rule.js';
import { styler, wrap } from './text.js';

const SYMBOLS: Record<string, string> = {
  equal: '==', notEqual: '!=', lessThan: '<', lessThanInclusive: '<=', greaterThan: '>', greaterThanInclusive: '>=',
  in: 'in', notIn: 'not in', contains: 'contains', doesNotContain: 'does not contain',
};

/** `{{ target.pid | list }}` -> `{{target.pid|list}}`, so that wrapping never splits a slot. */
function compactSlots(text: string): string {
  return text.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (_, inner: string) => `{{${inner.replace(/\s+/g, '')}}}`);
}

/** One effective rule as a person reads it: where it came from, what it tests, what it says and advises. */
export function formatRule(rule: Rule, options: { width: number; color: boolean }): string {
  const style = styler(options.color);
  const w = options.width;
  const out: string[] = [`${style.severity(rule.severity)}  ${style.bold(rule.id)}: ${rule.title}`];
  out.push(`  from ${rule.origin}: ${rule.file}`);
  out.push(`  applies to ${rule.for_each ? `each ${rule.for_each}` : 'the host'}${rule.enabled === false ? ' (disabled)' : ''}`);
  if (rule.requires?.length) out.push(`  builds on ${rule.requires.join(', ')}`);
  if (rule.tags?.length) out.push(`  tags ${rule.tags.join(', ')}`);
  for (const file of rule.overriddenBy) out.push(`  overridden by ${file}`);
  const params = Object.entries(rule.params);
  if (params.length > 0) {
    out.push('  params (a later rule set can change them with override: true)');
    for (const [name, value] of params) {
      const by = rule.overriddenFields[`params.${name}`] ?? rule.overriddenFields['params'];
      out.push(`    ${name} = ${JSON.stringify(value)}${by ? `  (set by ${by})` : ''}`);
    }
  }
  out.push('', ...wrap(rule.description, w, '  '));
  out.push('', '  ' + style.bold('Fires when'), ...conditionLines(rule.conditions, '    '));
  out.push('', '  ' + style.bold('Says'), ...wrap(compactSlots(rule.message), w, '    '));
  if (rule.advice?.length) {
    out.push('', '  ' + style.bold('Advises'));
    for (const a of rule.advice) {
      out.push(...wrap(`- ${compactSlots(a.text)}`, w, '      ', '    '));
      if (a.command) out.push(...wrap(`$ ${compactSlots(a.command)}  (${a.safe === false ? 'changes the system' : a.safe ? 'read-only' : 'unmarked'})`, w, '        ', '      '));
    }
  }
  if (rule.references?.length) {
    out.push('', '  ' + style.bold('References'));
    for (const r of rule.references) out.push(...wrap(`- ${r.title}: ${r.url}`, w, '      ', '    '));
  }
  return `${out.join('\n')}\n`;
}

export function conditionLines(c: Condition, indent: string): string[] {
  if (isLeaf(c)) {
    const value = isFactRef(c.value) ? `fact ${c.value.fact}` : JSON.stringify(c.value);
    return [`${indent}${c.fact} ${SYMBOLS[c.operator] ?? c.operator} ${value}`];
  }
  if ('not' in c) return [`${indent}not:`, ...conditionLines(c.not, `${indent}  `)];
  const [word, parts] = 'all' in c ? ['all of:', c.all] : ['any of:', c.any];
  return [`${indent}${word}`, ...parts.flatMap((p) => conditionLines(p, `${indent}  `))];
}
