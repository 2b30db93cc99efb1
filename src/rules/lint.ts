import { BASE_LANG, missingTranslation, ruleLanguages } from './localize.js';
import type { Rule } from './rule.js';
import { parseTemplate, templateFacts, templateParams } from './template.js';

/** Something a valid rule set would do better: a gap, not an error (rules validate finds errors). */
export interface LintNote {
  rule: string;
  file: string;
  message: string;
}

/**
 * What loads but reads badly: texts missing in a language some rule offers (or `langs`), texts
 * that show other facts than the English one, and params that nothing uses (a site's override of
 * them would silently change nothing).
 */
export function lintRules(rules: Rule[], langs?: string[]): LintNote[] {
  const notes: LintNote[] = [];
  const checked = (langs ?? ruleLanguages(rules)).filter((l) => l !== BASE_LANG);
  for (const rule of [...rules].sort((a, b) => a.file.localeCompare(b.file))) {
    const where = rule.overriddenBy.length > 0 ? `${rule.file} (and ${rule.overriddenBy.join(', ')})` : rule.file;
    for (const lang of checked) {
      const missing = missingTranslation(rule, lang);
      if (missing.length > 0) notes.push({ rule: rule.id, file: where, message: `no ${lang} text for ${missing.join(', ')}: shown in English` });
    }
    for (const [lang, t] of Object.entries(rule.translations ?? {})) {
      const pairs: [string, string, string | undefined][] = [['message', rule.message, t.message]];
      (rule.advice ?? []).forEach((a, i) => pairs.push([`advice[${i}]`, a.text, t.advice?.[i]]));
      for (const [field, english, translated] of pairs) {
        if (translated === undefined) continue;
        const [want, got] = [slots(english), slots(translated)];
        const lost = want.filter((x) => !got.includes(x));
        const added = got.filter((x) => !want.includes(x));
        if (lost.length + added.length > 0) {
          const what = [lost.length > 0 ? `lacks ${lost.join(', ')}` : '', added.length > 0 ? `adds ${added.join(', ')}` : ''].filter(Boolean).join(' and ');
          notes.push({ rule: rule.id, file: where, message: `${lang} ${field} ${what} of the English text: its readers see other values` });
        }
      }
    }
    const unused = Object.keys(rule.params).filter((name) => !usedParams(rule).has(name));
    for (const name of unused) notes.push({ rule: rule.id, file: where, message: `param ${name} is used by no condition or text: overriding it changes nothing` });
  }
  return notes;
}

/** The facts and params a template shows, as {{ }} slots name them. */
function slots(text: string): string[] {
  const parsed = parseTemplate(text);
  if (!parsed.ok) return [];
  return [...new Set([...templateFacts(parsed.parts), ...templateParams(parsed.parts).map((p) => `params.${p}`)])].sort();
}

/** Params a rule's conditions compare with (as loaded: by value) or its texts show ({{ params.NAME }}). */
function usedParams(rule: Rule): Set<string> {
  const used = new Set<string>();
  const texts = [rule.message, ...(rule.advice ?? []).flatMap((a) => [a.text, a.command ?? ''])];
  for (const t of Object.values(rule.translations ?? {})) texts.push(t.message ?? '', ...(t.advice ?? []));
  for (const text of texts) {
    const parsed = parseTemplate(text);
    if (parsed.ok) for (const name of templateParams(parsed.parts)) used.add(name);
  }
  for (const name of rule.conditionParams) used.add(name);
  return used;
}
