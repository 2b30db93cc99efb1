import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ENTITY_KINDS, known, type EntityKind, type FactSet } from '../../src/facts/fact.js';
import { evaluate } from '../../src/rules/evaluate.js';
import { loadRules, RuleLoadError, ruleSetSources, type RuleSetSource } from '../../src/rules/load.js';
import type { Rule } from '../../src/rules/rule.js';
import { ruleDirs } from '../support/rule-dirs.js';

const { tmp, ruleDir } = ruleDirs('overrides');

const builtin = (): RuleSetSource[] => ruleSetSources([], join(tmp, 'no-site-dir'));

/** A host with 30 threads in D out of 200, and nothing else known. */
function factSet(): FactSet {
  const source = [{ path: 'stat', excerpt: 'procs_blocked 30' }];
  return {
    facts: new Map([
      ['tasks.threads.dNotFrozen', known(30, source)],
      ['tasks.threads.total', known(200, source)],
    ]),
    entities: Object.fromEntries(Object.keys(ENTITY_KINDS).map((k) => [k, []])) as unknown as Record<EntityKind, []>,
    gaps: {},
  };
}

describe('overrides across three rule sets: built-in, site, command line', () => {
  const site = ruleDir({
    'pileup.yaml': 'id: d-task-pileup\noverride: true\nseverity: warning\nparams:\n  minDTasks: 20\n',
    'zombies.yaml': 'id: zombies-under-one-parent\noverride: true\nenabled: false\n',
  });
  const ops = ruleDir({
    'pileup.yaml': 'id: d-task-pileup\noverride: true\nmessage: "{{ tasks.threads.dNotFrozen }} threads in D (site threshold {{ params.minDTasks }})"\n',
    'load.yaml': 'id: load-high-cpus-idle\noverride: true\nenabled: false\n',
    'zombies.yaml': 'id: zombies-under-one-parent\noverride: true\nenabled: true\nparams: { minZombies: 5 }\n',
  });
  const sources = [...builtin(), { dir: site, origin: '/etc/procdx/rules.d' }, { dir: ops, origin: ops }];
  const rules = new Map(loadRules(sources).map((r) => [r.id, r]));
  const pileup = rules.get('d-task-pileup')!;

  it('a param override changes the threshold the conditions hold; the fields it does not give stay built-in', () => {
    assert.deepEqual(pileup.params, { minDTasks: 20 });
    assert.deepEqual(pileup.conditions, { all: [{ fact: 'tasks.threads.dNotFrozen', operator: 'greaterThanInclusive', value: 20, param: 'minDTasks' }] });
    assert.equal(pileup.severity, 'warning');
    assert.equal(pileup.title, 'Tasks piling up in uninterruptible sleep (D)');
    assert.equal(pileup.advice?.length, 2);
  });

  it('says where the rule and each overridden part came from', () => {
    assert.equal(pileup.origin, 'builtin');
    assert.equal(pileup.file, 'rules/tasks/d-task-pileup.yaml');
    assert.deepEqual(pileup.overriddenBy, [join(site, 'pileup.yaml'), join(ops, 'pileup.yaml')]);
    assert.deepEqual(pileup.overriddenFields, { severity: join(site, 'pileup.yaml'), 'params.minDTasks': join(site, 'pileup.yaml'), message: join(ops, 'pileup.yaml') });
    const untouched = rules.get('mmap-lock-proc-readers')!;
    assert.deepEqual([untouched.origin, untouched.overriddenBy, untouched.overriddenFields], ['builtin', [], {}]);
  });

  it('enabled: false disables a rule; a later set can enable it again with its own threshold', () => {
    assert.equal(rules.has('load-high-cpus-idle'), false);
    const zombies = rules.get('zombies-under-one-parent')!;
    assert.equal(zombies.enabled, true);
    assert.deepEqual(zombies.params, { minZombies: 5 });
    assert.deepEqual(zombies.overriddenBy, [join(site, 'zombies.yaml'), join(ops, 'zombies.yaml')]);
    assert.deepEqual(zombies.overriddenFields, { enabled: join(ops, 'zombies.yaml'), 'params.minZombies': join(ops, 'zombies.yaml') });
  });

  it('the finding fires at the new threshold, shows it as evidence and in the message', async () => {
    const builtinOnly = await evaluate(loadRules(builtin()), factSet());
    assert.equal(builtinOnly.findings.some((f) => f.rule === 'd-task-pileup'), false, '30 is under the built-in 100');

    const { findings } = await evaluate([...rules.values()], factSet());
    const f = findings.find((x) => x.rule === 'd-task-pileup');
    assert.ok(f, `no d-task-pileup finding: ${findings.map((x) => x.id).join(', ')}`);
    assert.equal(f.severity, 'warning');
    assert.equal(f.message, '30 threads in D (site threshold 20)');
    assert.deepEqual(f.evidence[0], {
      fact: 'tasks.threads.dNotFrozen',
      value: 30,
      operator: 'greaterThanInclusive',
      threshold: 20,
      param: 'minDTasks',
      sources: [{ path: 'stat', excerpt: 'procs_blocked 30' }],
    });
    assert.equal(f.ruleFile, 'rules/tasks/d-task-pileup.yaml');
    assert.deepEqual(f.because, [], 'load-high-cpus-idle, which it builds on, is disabled');
  });

  it('a same-id file without override: true still replaces the whole rule', () => {
    const whole = ruleDir({
      'pileup.yaml': [
        'id: d-task-pileup',
        'title: Our D threshold',
        'severity: info',
        'description: ours',
        'conditions:',
        '  all: [{ fact: tasks.threads.D, operator: greaterThan, value: 1 }]',
        'message: "{{ tasks.threads.D }} in D"',
        '',
      ].join('\n'),
    });
    const rule = loadRules([...sources, { dir: whole, origin: 'whole' }]).find((r) => r.id === 'd-task-pileup')!;
    assert.deepEqual([rule.origin, rule.file, rule.overriddenBy, rule.params, rule.advice, rule.requires], ['whole', join(whole, 'pileup.yaml'), [], {}, undefined, undefined]);
  });
});

describe('override errors, at the place in the overriding file', () => {
  function errors(files: Record<string, string>): string[] {
    const dir = ruleDir(files);
    try {
      loadRules([...builtin(), { dir, origin: dir }]);
    } catch (err) {
      assert.ok(err instanceof RuleLoadError, String(err));
      return err.errors.map((e) => e.replaceAll(dir + '/', ''));
    }
    assert.fail('expected the load to fail');
  }

  const cases: { name: string; text: string; want: string[] }[] = [
    {
      name: 'an override of a rule no earlier set has',
      text: 'id: d-task-piluep\noverride: true\nenabled: false\n',
      want: ["x.yaml:1:5: override of unknown rule 'd-task-piluep': no earlier rule set defines it (did you mean 'd-task-pileup'?); to add a rule, drop override: true and give the whole rule"],
    },
    {
      name: 'an unknown param',
      text: 'id: d-task-pileup\noverride: true\nparams:\n  minDTask: 20\n',
      want: ["x.yaml:4:3: unknown param 'minDTask' for rule 'd-task-pileup' (did you mean 'minDTasks'?) (its params: minDTasks)"],
    },
    {
      name: 'a param of the wrong kind',
      text: 'id: d-task-pileup\noverride: true\nparams:\n  minDTasks: lots\n',
      want: ['x.yaml:4:14: params.minDTasks: tasks.threads.dNotFrozen greaterThanInclusive needs a number, not "lots" (at conditions.all[0])'],
    },
    {
      name: 'a message naming an unknown param',
      text: 'id: d-task-pileup\noverride: true\nmessage: "over {{ params.min }}"\n',
      want: ["x.yaml:3:10: message: unknown param 'min' in {{ params.min }} (this rule's params: minDTasks)"],
    },
    {
      name: 'an override that changes nothing',
      text: 'id: d-task-pileup\noverride: true\n',
      want: ["x.yaml:2:11: override of 'd-task-pileup' changes nothing: give the fields to change, e.g. enabled: false or params"],
    },
    {
      name: 'an override of the conditions',
      text: 'id: d-task-pileup\noverride: true\nconditions: { all: [] }\n',
      want: ["x.yaml:3:1: unknown key 'conditions' (an override cannot change conditions; to change it, replace the whole rule: a file with the same id and no override: true)"],
    },
    {
      name: 'override: yes',
      text: 'id: d-task-pileup\noverride: yes\nenabled: false\n',
      want: ["x.yaml:2:11: override: must be true or false, not 'yes'"],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(errors({ 'x.yaml': c.text }), c.want));

  it('requires naming a rule only an override could have made up', () => {
    assert.deepEqual(errors({ 'x.yaml': 'id: d-task-pileup\noverride: true\nrequires: [load-high-cpus-idel]\n' }), [
      "x.yaml:3:12: requires[0]: unknown rule 'load-high-cpus-idel' (did you mean 'load-high-cpus-idle'?)",
    ]);
  });
});

describe('a rule with every kind of param', () => {
  it('resolves numbers, strings, booleans and lists for their operators', () => {
    const dir = ruleDir({
      'a.yaml': [
        'id: many-d',
        'title: t',
        'severity: info',
        'description: d',
        'params: { min: 3, state: D, states: [D, S], flag: true }',
        'for_each: thread',
        'conditions:',
        '  all:',
        '    - { fact: thread.state, operator: equal, value: { param: state } }',
        '    - { fact: thread.state, operator: in, value: { param: states } }',
        '    - { fact: thread.tid, operator: greaterThan, value: { param: min } }',
        'message: "{{ params.states | list }} {{ params.flag }}"',
        '',
      ].join('\n'),
    });
    const [rule] = loadRules([{ dir, origin: dir }]) as [Rule];
    assert.deepEqual(rule.conditions, {
      all: [
        { fact: 'thread.state', operator: 'equal', value: 'D', param: 'state' },
        { fact: 'thread.state', operator: 'in', value: ['D', 'S'], param: 'states' },
        { fact: 'thread.tid', operator: 'greaterThan', value: 3, param: 'min' },
      ],
    });
  });
});
