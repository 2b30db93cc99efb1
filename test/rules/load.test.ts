import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadRules, RuleLoadError, ruleSetSources } from '../../src/rules/load.js';

const tmp = mkdtempSync(join(tmpdir(), 'procdx-rules-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const GOOD = `id: many-d
title: Many D tasks
severity: warning
description: test rule
conditions:
  all:
    - fact: tasks.threads.D
      operator: greaterThan
      value: 10
message: "{{ tasks.threads.D }} tasks in D"
`;

let n = 0;
function ruleDir(files: Record<string, string>): string {
  const dir = join(tmp, `set${n++}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function loadErrors(files: Record<string, string>): string[] {
  const dir = ruleDir(files);
  try {
    loadRules([{ dir, origin: dir }]);
  } catch (err) {
    assert.ok(err instanceof RuleLoadError, String(err));
    return err.errors.map((e) => e.replace(dir + '/', ''));
  }
  assert.fail('expected the load to fail');
}

describe('rule loading errors', () => {
  const cases: { name: string; files: Record<string, string>; want: RegExp }[] = [
    { name: 'YAML syntax error with line and column', files: { 'a.yaml': 'id: a\ntitle: [unclosed\n' }, want: /^a\.yaml:3:1: / },
    { name: 'unknown key', files: { 'a.yaml': GOOD + 'colour: red\n' }, want: /^a\.yaml: \(top level\): must NOT have additional properties 'colour'/ },
    { name: 'wrong type', files: { 'a.yaml': GOOD.replace('severity: warning', 'severity: 3') }, want: /^a\.yaml: \/severity: must be equal to one of the allowed values: critical, warning, info/ },
    { name: 'unknown fact with a suggestion', files: { 'a.yaml': GOOD.replace('fact: tasks.threads.D', 'fact: mem.comitRatio') }, want: /^a\.yaml: conditions: unknown fact 'mem\.comitRatio' \(did you mean 'mem\.commitRatio'\?\)/ },
    { name: 'unknown fact in the message', files: { 'a.yaml': GOOD.replace('{{ tasks.threads.D }}', '{{ tasks.threads.DD }}') }, want: /^a\.yaml: message: unknown fact 'tasks\.threads\.DD'/ },
    { name: 'unknown operator', files: { 'a.yaml': GOOD.replace('greaterThan', 'greaterThen') }, want: /a\.yaml: .*operator/ },
    { name: 'entity fact without for_each', files: { 'a.yaml': GOOD.replace('fact: tasks.threads.D', 'fact: process.dThreads') }, want: /unknown fact 'process\.dThreads'/ },
    { name: 'a js function tag', files: { 'a.yaml': GOOD + 'x: !!js/function "function () { return 1 }"\n' }, want: /^a\.yaml:\d+:\d+: unknown tag/ },
    { name: 'duplicate ids in one set', files: { 'a.yaml': GOOD, 'b.yaml': GOOD }, want: /^b\.yaml: duplicate rule id 'many-d' \(also in .*a\.yaml\)/ },
    { name: 'requires an unknown rule', files: { 'a.yaml': GOOD + 'requires: [nope]\n' }, want: /requires unknown or disabled rule 'nope'/ },
    {
      name: 'requires cycle',
      files: { 'a.yaml': GOOD.replace('id: many-d', 'id: aa') + 'requires: [bb]\n', 'b.yaml': GOOD.replace('id: many-d', 'id: bb') + 'requires: [aa]\n' },
      want: /requires cycle: aa -> bb -> aa/,
    },
    { name: 'an unknown template filter', files: { 'a.yaml': GOOD.replace('{{ tasks.threads.D }}', '{{ tasks.threads.D | exec }}') }, want: /unknown filter 'exec'/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const errors = loadErrors(c.files);
      assert.ok(errors.some((e) => c.want.test(e)), `no error matches ${c.want}:\n${errors.join('\n')}`);
    });
  }

  it('reports every problem of every file at once', () => {
    const errors = loadErrors({ 'a.yaml': 'id: [\n', 'b.yaml': GOOD.replace('severity: warning', 'severity: loud') });
    assert.equal(errors.length, 2, errors.join('\n'));
  });

  it('loads nothing when any file is broken', () => {
    const good = ruleDir({ 'a.yaml': GOOD });
    const bad = ruleDir({ 'b.yaml': 'id: [\n' });
    assert.throws(() => loadRules([{ dir: good, origin: good }, { dir: bad, origin: bad }]), RuleLoadError);
  });
});

describe('rule sets', () => {
  it('a later set overrides a rule by id, and enabled: false switches it off', () => {
    const first = ruleDir({ 'a.yaml': GOOD, 'b.yaml': GOOD.replace('id: many-d', 'id: other') });
    const second = ruleDir({ 'a.yaml': GOOD.replace('value: 10', 'value: 50') });
    const third = ruleDir({ 'b.yaml': GOOD.replace('id: many-d', 'id: other') + 'enabled: false\n' });
    const rules = loadRules([
      { dir: first, origin: 'first' },
      { dir: second, origin: 'second' },
      { dir: third, origin: 'third' },
    ]);
    assert.deepEqual(rules.map((r) => [r.id, r.origin]), [['many-d', 'second']]);
    assert.deepEqual(rules[0]!.conditions, { all: [{ fact: 'tasks.threads.D', operator: 'greaterThan', value: 50 }] });
  });

  it('the built-in rules load and are ordered by requires', () => {
    const rules = loadRules(ruleSetSources([], join(tmp, 'no-site-dir')));
    const ids = rules.map((r) => r.id);
    for (const rule of rules) {
      for (const req of rule.requires ?? []) assert.ok(ids.indexOf(req) < ids.indexOf(rule.id), `${req} before ${rule.id}`);
    }
    assert.ok(ids.includes('mmap-lock-proc-readers'));
  });
});
