import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadRuleBase } from '../../src/diagnose.js';
import { ENTITY_KINDS } from '../../src/facts/fact.js';
import type { Finding } from '../../src/findings/finding.js';
import { schemasDir } from '../../src/paths.js';
import { loadRuleTestFiles, RuleTestLoadError, type RuleTestCase, type RuleTestFile } from '../../src/rules/rule-test-file.js';
import { compare, runRuleTests } from '../../src/rules/rule-tests.js';

const tmp = mkdtempSync(join(tmpdir(), 'procdx-rule-test-unit-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const base = loadRuleBase([], '/nonexistent/procdx-rules.d');
const context = { rules: base.rules, signatures: base.catalog };

let n = 0;
function load(text: string): RuleTestFile {
  const path = join(tmp, `t${n++}.test.yaml`);
  writeFileSync(path, text);
  return loadRuleTestFiles([{ path, shown: 't.test.yaml' }], context)[0]!;
}

function loadErrors(text: string): string[] {
  try {
    load(text);
  } catch (err) {
    assert.ok(err instanceof RuleTestLoadError, String(err));
    return err.errors;
  }
  assert.fail('expected the load to fail');
}

const HEAD = 'cases:\n  - name: c\n';

describe('rule test files: every problem at its line and column', () => {
  const cases: { name: string; text: string; want: string[] }[] = [
    { name: 'YAML syntax', text: `${HEAD}    facts: {tasks.threads.D: 1\n`, want: ['t.test.yaml:4:1: unexpected end of the stream within a flow collection'] },
    { name: 'a tag that would construct code', text: `${HEAD}    facts: !!js/function "function () {}"\n`, want: ['t.test.yaml:3:12: unknown tag !<tag:yaml.org,2002:js/function>: rule files are plain data (YAML core schema), tags are not allowed'] },
    { name: 'an unknown key', text: `${HEAD}    facts: {tasks.threads.D: 1}\n    silent: [d-task-pileup]\n    sielnt: [x]\n`, want: ["t.test.yaml:5:5: unknown key 'sielnt' in case 'c' (did you mean 'silent'?)"] },
    {
      name: 'an unknown fact, with a suggestion',
      text: `${HEAD}    facts:\n      mem.comitRatio: 2\n    silent: [d-task-pileup]\n`,
      want: ["t.test.yaml:4:7: case 'c': unknown fact 'mem.comitRatio' (did you mean 'mem.commitRatio'?); facts are listed in schemas/facts.schema.json"],
    },
    {
      name: 'a value of the wrong type, at the value',
      text: `${HEAD}    facts:\n      tasks.threads.D: "100"\n    silent: [d-task-pileup]\n`,
      want: ["t.test.yaml:4:24: case 'c': fact 'tasks.threads.D' must be an integer, not \"100\""],
    },
    {
      name: 'an entity fact given as a host fact',
      text: `${HEAD}    facts:\n      process.dThreads: 3\n    silent: [d-task-pileup]\n`,
      want: ["t.test.yaml:4:7: case 'c': 'process.dThreads' is a fact of each process entity, not of the host: give it under entities: process: - facts:"],
    },
    {
      name: 'a host fact in an entity, and an entity without its subject',
      text: `${HEAD}    entities:\n      zone:\n        - facts:\n            tasks.threads.D: 3\n    silent: [high-order-fragmentation]\n`,
      want: [
        "t.test.yaml:5:11: case 'c': a zone entity needs subject node and zone (or the facts zone.node and zone.name)",
        "t.test.yaml:6:13: case 'c': 'tasks.threads.D' is a host fact: give it under facts:, not in a zone entity",
      ],
    },
    {
      name: 'a subject that disagrees with its facts',
      text: `${HEAD}    entities:\n      process:\n        - subject: { pid: 1, comm: init }\n          facts:\n            process.pid: 2\n    silent: [zombies-under-one-parent]\n`,
      want: ["t.test.yaml:5:11: case 'c': subject pid 1 disagrees with fact process.pid 2"],
    },
    {
      name: 'a signature that is not loaded',
      text: `${HEAD}    facts:\n      tasks.signature.nfs-wait: 3\n    silent: [d-task-pileup]\n`,
      want: [
        `t.test.yaml:4:7: case 'c': no stack signature 'nfs-wait' is loaded (known: ${base.catalog.signatures.map((s) => s.id).sort().join(', ')})`,
      ],
    },
    {
      name: 'an unknown rule id, with a suggestion, at the id',
      text: `${HEAD}    facts: {tasks.threads.D: 1}\n    silent: [d-task-pile-up]\n`,
      want: [
        "t.test.yaml:4:14: case 'c': no rule 'd-task-pile-up' is loaded (did you mean 'd-task-pileup'?); a site rule's directory must be given with --rules, and a disabled rule (enabled: false) cannot be tested",
      ],
    },
    {
      name: 'two inputs',
      text: `${HEAD}    tree: healthy\n    facts: {tasks.threads.D: 1}\n    silent: [d-task-pileup]\n`,
      want: ["t.test.yaml:2:5: case 'c': a case has one input: inline facts/entities/gaps, a tree, or a snapshot, not two (to change a tree's or snapshot's facts, use override)"],
    },
    {
      name: 'no input',
      text: `${HEAD}    silent: [d-task-pileup]\n`,
      want: ["t.test.yaml:2:5: case 'c': a case needs an input: facts and/or entities (inline), tree, or snapshot"],
    },
    {
      name: 'override of inline facts',
      text: `${HEAD}    facts: {tasks.threads.D: 1}\n    override: {facts: {tasks.threads.D: 2}}\n    silent: [d-task-pileup]\n`,
      want: ["t.test.yaml:2:5: case 'c': override applies to a tree or a snapshot; inline facts are written directly"],
    },
    {
      name: 'no expectation',
      text: `${HEAD}    facts: {tasks.threads.D: 1}\n`,
      want: ["t.test.yaml:2:5: case 'c': a case needs at least one expectation: fires, silent or not_evaluated"],
    },
    {
      name: 'an unknown tree, at the value',
      text: `${HEAD}    tree: seed-2.7\n    silent: [d-task-pileup]\n`,
      want: ["t.test.yaml:3:11: case 'c': tree: must be one of seed-2.6, seed-6.x, healthy, io-storm, not 'seed-2.7' (did you mean 'seed-2.6'?)"],
    },
    {
      name: 'message and message_contains together',
      text: `${HEAD}    facts: {tasks.threads.D: 100}\n    fires:\n      - rule: d-task-pileup\n        message: a\n        message_contains: b\n`,
      want: ["t.test.yaml:5:9: case 'c': fires[0]: give message or message_contains, not both"],
    },
    {
      name: 'a fact value that is neither a value nor {unknown}',
      text: `${HEAD}    facts:\n      tasks.threads.D: {unknwn: x}\n    silent: [d-task-pileup]\n`,
      want: ["t.test.yaml:4:7: case 'c': facts.tasks.threads.D: a fact value (number, string, boolean, null, or a list of them) or {unknown: reason}"],
    },
    {
      name: 'a rule expected to fire and to be silent',
      text: `${HEAD}    facts: {tasks.threads.D: 100}\n    fires: [{rule: d-task-pileup}]\n    silent: [d-task-pileup]\n`,
      want: ["t.test.yaml:5:14: case 'c': rule 'd-task-pileup' is expected both to fire and to be silent"],
    },
    {
      name: 'duplicate case names',
      text: `${HEAD}    facts: {tasks.threads.D: 1}\n    silent: [d-task-pileup]\n  - name: c\n    facts: {tasks.threads.D: 2}\n    silent: [d-task-pileup]\n`,
      want: ["t.test.yaml:5:11: case 'c': duplicate case name (also at line 2)"],
    },
    {
      name: 'a snapshot that is not there',
      text: `${HEAD}    snapshot: nowhere.tar.gz\n    silent: [d-task-pileup]\n`,
      want: [`t.test.yaml:3:15: case 'c': snapshot 'nowhere.tar.gz' not found (resolved to ${join(tmp, 'nowhere.tar.gz')}); give a file written by procdx capture, relative to this test file`],
    },
    {
      name: 'an alias bomb',
      text: `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n`,
      want: ['t.test.yaml:4:36: alias *c expands the data past 10000 nodes added by aliases: aliases may share a few nodes, not multiply them'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(loadErrors(c.text), c.want));
  }

  it('a case with errors does not hide the problems of the others', () => {
    const errors = loadErrors(`${HEAD}    tree: seed-2.7\n    silent: [d-task-pileup]\n  - name: d\n    facts: {mem.comitRatio: 1}\n    silent: [d-task-pileup]\n`);
    assert.equal(errors.length, 2, errors.join('\n'));
  });

  it('inline facts carry the test file and line as their source, and the unit from the fact catalog', () => {
    const file = load(`${HEAD}    facts:\n      mem.commitRatio: 2.5\n      mem.swapTotalKb: { unknown: no meminfo }\n    silent: [d-task-pileup]\n`);
    const input = file.cases[0]!.input;
    assert.equal(input.kind, 'inline');
    if (input.kind !== 'inline') return;
    assert.deepEqual(input.facts.facts.get('mem.commitRatio'), { ok: true, value: 2.5, unit: 'ratio', sources: [{ path: 't.test.yaml', line: 4, excerpt: 'mem.commitRatio: 2.5' }] });
    assert.deepEqual(input.facts.facts.get('mem.swapTotalKb'), { ok: false, reason: 'no meminfo', sources: [{ path: 't.test.yaml', line: 5, excerpt: 'mem.swapTotalKb: unknown (no meminfo)' }] });
  });
});

describe('comparing findings with a case', () => {
  const finding = (rule: string, pid: number, message = 'm'): Finding => ({
    id: `${rule}@pid:${pid}`,
    rule,
    severity: 'warning',
    title: 't',
    message,
    subject: { kind: 'process', pid, comm: 'x' },
    evidence: [],
    because: [],
    advice: [],
    references: [],
    ruleFile: 'r.yaml',
  });
  const kase = (fires: RuleTestCase['fires']): RuleTestCase => ({ name: 'c', line: 1, input: { kind: 'tree', tree: 'healthy' }, fires, silent: [], notEvaluated: [], disabled: [] });

  it('pairs findings one to one, so a loose expectation listed first does not take the one a strict expectation needs', () => {
    const c = kase([{ rule: 'r' }, { rule: 'r', subject: 'pid:1' }]);
    assert.deepEqual(compare(c, [finding('r', 1), finding('r', 2)], []), []);
  });

  it('a finding of a named rule that no expectation claims is a mismatch; findings of other rules are not checked', () => {
    const c = kase([{ rule: 'r', subject: 'pid:1' }]);
    const [m] = compare(c, [finding('r', 1), finding('r', 2), finding('other', 3)], []);
    assert.equal(m?.kind, 'fires');
    if (m?.kind !== 'fires') return;
    assert.deepEqual(m.actual.map((a) => [a.finding.id, a.matched]), [['r@pid:1', true], ['r@pid:2', false]]);
  });

  it('silent fails on a rule that was not evaluated; not_evaluated checks the reason', () => {
    const c: RuleTestCase = { ...kase([]), silent: ['r'], notEvaluated: [{ rule: 's', reasonContains: 'EACCES' }] };
    const ne = [{ rule: 'r', reason: 'x: unknown' }, { rule: 's', reason: 'stacks unreadable: EPERM' }];
    assert.deepEqual(compare(c, [], ne).map((m) => [m.kind, m.rule]), [['silent', 'r'], ['not_evaluated', 's']]);
  });

  it('tree cases are skipped when nobody writes trees', async () => {
    const file = load(`${HEAD}    tree: healthy\n    silent: [d-task-pileup]\n`);
    const [result] = await runRuleTests([file], context);
    assert.deepEqual(result?.cases.map((c) => [c.status, c.reason]), [['skip', 'tree healthy']]);
  });
});

describe('the rule test schema', () => {
  it('lists every entity kind procdx has, for entities and gaps', () => {
    const schema = JSON.parse(readFileSync(join(schemasDir, 'rule-test.schema.json'), 'utf8')) as { definitions: Record<string, { properties: Record<string, unknown> }> };
    const kinds = Object.keys(ENTITY_KINDS).sort();
    assert.deepEqual(Object.keys(schema.definitions['entities']!.properties).sort(), kinds);
    assert.deepEqual(Object.keys(schema.definitions['gaps']!.properties).sort(), kinds);
  });
});
