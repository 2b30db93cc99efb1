import type { Rule } from './rule.js';

/** English is the language rules are written in; the others come from `translations`. */
export const BASE_LANG = 'en';

/**
 * The rule with its texts in `lang`, field by field: what the translation leaves out stays
 * English. Conditions, ids, facts and commands never change.
 */
export function localizeRule(rule: Rule, lang: string): Rule {
  const t = lang === BASE_LANG ? undefined : rule.translations?.[lang];
  if (!t) return rule;
  return {
    ...rule,
    title: t.title ?? rule.title,
    description: t.description ?? rule.description,
    message: t.message ?? rule.message,
    ...(rule.advice ? { advice: rule.advice.map((a, i) => ({ ...a, text: t.advice?.[i] ?? a.text })) } : {}),
  };
}

/** Every language some rule offers, English first. */
export function ruleLanguages(rules: Rule[]): string[] {
  const langs = new Set<string>();
  for (const r of rules) for (const lang of Object.keys(r.translations ?? {})) langs.add(lang);
  return [BASE_LANG, ...[...langs].filter((l) => l !== BASE_LANG).sort()];
}

/** What a rule lacks in `lang`: the fields a person would read in English instead. */
export function missingTranslation(rule: Rule, lang: string): string[] {
  if (lang === BASE_LANG) return [];
  const t = rule.translations?.[lang] ?? {};
  const missing: string[] = [];
  if (!t.title) missing.push('title');
  if (!t.description) missing.push('description');
  if (!t.message) missing.push('message');
  (rule.advice ?? []).forEach((_, i) => {
    if (!t.advice?.[i]) missing.push(`advice[${i}]`);
  });
  return missing;
}

/**
 * The language to report in: --lang, else the locale of LC_ALL, LC_MESSAGES or LANG
 * ("zh_CN.UTF-8" -> "zh-CN"); C and POSIX are English. A locale no rule offers is English too,
 * and a language offered only by its base ("zh" for "zh-TW") is not guessed.
 */
export function chooseLang(flag: string | undefined, env: NodeJS.ProcessEnv, offered: string[]): { lang: string; note?: string } {
  if (flag !== undefined) {
    if (offered.includes(flag)) return { lang: flag };
    return { lang: BASE_LANG, note: `--lang ${flag}: no rule has texts in it (languages: ${offered.join(', ')}); reporting in English` };
  }
  const locale = env['LC_ALL'] || env['LC_MESSAGES'] || env['LANG'] || '';
  const tag = localeTag(locale);
  return { lang: tag && offered.includes(tag) ? tag : BASE_LANG };
}

function localeTag(locale: string): string | null {
  const m = /^([a-z]{2,3})(?:_([A-Z]{2}))?/.exec(locale);
  if (!m) return null;
  return m[2] ? `${m[1]}-${m[2]}` : m[1]!;
}
