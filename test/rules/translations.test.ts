import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ENTITY_KINDS, known, type EntityKind, type FactSet } from '../../src/facts/fact.js';
import { evaluate } from '../../src/rules/evaluate.js';
import { lintRules } from '../../src/rules/lint.js';
import { loadRules, RuleLoadError, ruleSetSources } from '../../src/rules/load.js';
import { chooseLang, localizeRule } from '../../src/rules/localize.js';
import { columns, wrap } from '../../src/report/text.js';
import { ruleDirs } from '../support/rule-dirs.js';

const { tmp, ruleDir } = ruleDirs('translations');

const RULE = `id: many-d
title: Many tasks in D
severity: warning
description: Counts D tasks.
params:
  min: 10
conditions:
  all:
    - { fact: tasks.threads.D, operator: greaterThanInclusive, value: { param: min } }
message: "{{ tasks.threads.D }} tasks in D"
advice:
  - text: Look at their wait channels
  - text: Then at their stacks
`;

function load(files: Record<string, string>, ...more: Record<string, string>[]) {
  const sets = [files, ...more].map((f) => ({ dir: ruleDir(f), origin: 'test' }));
  return loadRules(sets);
}

function problems(files: Record<string, string>): string[] {
  try {
    load(files);
    return [];
  } catch (err) {
    assert.ok(err instanceof RuleLoadError, String(err));
    return err.errors;
  }
}

const facts = (d: number): FactSet => ({
  facts: new Map([['tasks.threads.D', known(d, [])]]),
  entities: Object.fromEntries(Object.keys(ENTITY_KINDS).map((k) => [k, []])) as unknown as Record<EntityKind, []>,
  gaps: {},
});

describe('rule texts in other languages', () => {
  const zh = `${RULE}translations:\n  zh-CN:\n    title: 大量 D 状态任务\n    message: "{{ tasks.threads.D }} 个任务处于 D 状态"\n    advice:\n      - 查看它们的等待通道\n`;

  it('a finding takes the translated title, message and advice; what is missing stays English', async () => {
    const [rule] = load({ 'many-d.yaml': zh });
    const { findings } = await evaluate([rule!], facts(12), 'zh-CN');
    const f = findings[0]!;
    assert.equal(f.title, '大量 D 状态任务');
    assert.equal(f.message, '12 个任务处于 D 状态');
    assert.deepEqual(f.advice.map((a) => a.text), ['查看它们的等待通道', 'Then at their stacks']);
    assert.equal(f.rule, 'many-d', 'ids stay English');
    assert.equal(f.evidence[0]!.fact, 'tasks.threads.D', 'facts stay English');
    const english = await evaluate([rule!], facts(12));
    assert.equal(english.findings[0]!.message, '12 tasks in D');
  });

  it('a language no rule offers is English', async () => {
    const [rule] = load({ 'many-d.yaml': zh });
    assert.equal(localizeRule(rule!, 'ja'), rule);
  });

  it('a translated template is checked like the message: unknown facts and params at their place', () => {
    const bad = `${RULE}translations:\n  zh-CN:\n    message: "{{ tasks.thread.D }} 个任务 {{ params.mni }}"\n`;
    const errors = problems({ 'many-d.yaml': bad });
    assert.ok(errors.some((e) => /many-d\.yaml:16:14: translations\.zh-CN\.message: unknown fact 'tasks\.thread\.D' \(did you mean 'tasks\.threads\.D'\?\)/.test(e)), errors.join('\n'));
    assert.ok(errors.some((e) => /unknown param 'mni'/.test(e)), errors.join('\n'));
  });

  it('more advice texts than advice items is an error; a malformed language tag too', () => {
    const tooMany = `${RULE}translations:\n  zh-CN:\n    advice: [一, 二, 三]\n`;
    assert.ok(problems({ 'many-d.yaml': tooMany }).some((e) => e.includes('3 advice texts for 2 advice items')));
    const badTag = `${RULE}translations:\n  chinese:\n    title: x\n`;
    assert.ok(problems({ 'many-d.yaml': badTag }).some((e) => e.includes('many-d.yaml:15:3')), problems({ 'many-d.yaml': badTag }).join('\n'));
  });

  it('a site adds a language, or changes one field of one, by override; the rest is kept', () => {
    const site = { 'many-d.yaml': 'id: many-d\noverride: true\ntranslations:\n  zh-CN:\n    title: 太多 D 任务\n  ja:\n    title: D 状態のタスクが多い\n' };
    const [rule] = load({ 'many-d.yaml': zh }, site);
    assert.equal(rule!.translations!['zh-CN']!.title, '太多 D 任务');
    assert.equal(rule!.translations!['zh-CN']!.message, '{{ tasks.threads.D }} 个任务处于 D 状态');
    assert.equal(rule!.translations!['ja']!.title, 'D 状態のタスクが多い');
    assert.ok(rule!.overriddenFields['translations.ja']);
  });

  it('rules lint lists what each language lacks and params nothing uses', () => {
    const [rule] = load({ 'many-d.yaml': zh.replace('params:\n  min: 10\n', 'params:\n  min: 10\n  unused: 3\n') });
    const notes = lintRules([rule!]).map((x) => x.message);
    assert.deepEqual(notes, ['no zh-CN text for description, advice[1]: shown in English', 'param unused is used by no condition or text: overriding it changes nothing']);
    assert.deepEqual(lintRules([rule!], ['ja']).map((x) => x.message)[0], 'no ja text for title, description, message, advice[0], advice[1]: shown in English');
  });

  it('rules lint finds a translation that shows other facts than the English text', () => {
    const drift = `${RULE}translations:\n  zh-CN:\n    message: "{{ tasks.threads.total }} 个任务"\n`;
    const [rule] = load({ 'many-d.yaml': drift });
    assert.ok(lintRules([rule!]).some((x) => x.message === 'zh-CN message lacks tasks.threads.D and adds tasks.threads.total of the English text: its readers see other values'));
  });

  it('the built-in rules load with their translations', () => {
    const rules = loadRules(ruleSetSources([], join(tmp, 'no-site')));
    assert.ok(rules.some((r) => r.translations?.['zh-CN']));
  });
});

describe('choosing the language', () => {
  const offered = ['en', 'zh-CN'];
  it('--lang wins; a language no rule offers falls back to English with a note', () => {
    assert.deepEqual(chooseLang('zh-CN', { LANG: 'C' }, offered), { lang: 'zh-CN' });
    const fallback = chooseLang('fr', {}, offered);
    assert.equal(fallback.lang, 'en');
    assert.match(fallback.note ?? '', /--lang fr: no rule has texts in it/);
  });

  it('else LC_ALL, LC_MESSAGES, LANG in that order; C and POSIX are English', () => {
    assert.equal(chooseLang(undefined, { LANG: 'zh_CN.UTF-8' }, offered).lang, 'zh-CN');
    assert.equal(chooseLang(undefined, { LC_ALL: 'C', LANG: 'zh_CN.UTF-8' }, offered).lang, 'en');
    assert.equal(chooseLang(undefined, { LC_MESSAGES: 'zh_CN.UTF-8', LANG: 'en_US.UTF-8' }, offered).lang, 'zh-CN');
    assert.equal(chooseLang(undefined, { LANG: 'zh_TW.UTF-8' }, offered).lang, 'en');
    assert.equal(chooseLang(undefined, {}, offered).lang, 'en');
  });
});

describe('wrapping Chinese text', () => {
  it('breaks between characters, counts each as two columns, and never starts a line with closing punctuation', () => {
    const lines = wrap('6053 个任务阻塞在读取 java (16653) 的 /proc/16653/cmdline 上，等待它的 mmap 锁；它自己的 10 个线程中有 9 个卡在同一把锁的缺页处理中。', 40, '    ');
    assert.ok(lines.length > 1);
    for (const line of lines) {
      assert.ok(columns(line) <= 40, `${line} is ${columns(line)} columns`);
      assert.doesNotMatch(line.trimStart(), /^[，。；：）]/);
    }
    assert.equal(lines.join('').replace(/\s+/g, ''), '6053个任务阻塞在读取java(16653)的/proc/16653/cmdline上，等待它的mmap锁；它自己的10个线程中有9个卡在同一把锁的缺页处理中。');
  });

  it('a number stays on the line of its unit', () => {
    assert.deepEqual(wrap('117 GiB committed against a commit limit of 9.3 GiB (12.6x)', 30, '  '), ['  117 GiB committed against a', '  commit limit of 9.3 GiB', '  (12.6x)']);
    assert.deepEqual(wrap('waited 250 ms.', 10, ''), ['waited', '250 ms.']);
  });

  it('English wraps at spaces as before', () => {
    assert.deepEqual(wrap('hello world this is a test of wrapping', 20, '  '), ['  hello world this', '  is a test of', '  wrapping']);
  });
});
