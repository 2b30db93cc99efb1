import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadRules, RuleLoadError, ruleSetSources } from '../../src/rules/load.js';
import { MAX_RULE_FILE_BYTES } from '../../src/rules/yaml-file.js';
import { loadSignatureCatalog, SignatureCatalogError } from '../../src/signatures/catalog.js';
import { runCli } from '../e2e/run-cli.js';
import { repoRoot } from '../support/paths.js';
import { ruleDirs } from '../support/rule-dirs.js';

const { tmp, ruleDir } = ruleDirs('rules');

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

/** Nine levels of nine aliases each: 9^9 (387 million) "lol"s once expanded. */
const BILLION_LAUGHS = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((c, i) => {
    const prev = 'abcdefghi'[i]!;
    return `${c}: &${c} [${Array(9).fill(`*${prev}`).join(',')}]`;
  }),
  '',
].join('\n');

function loadErrors(files: Record<string, string>): string[] {
  const dir = ruleDir(files);
  try {
    loadRules([{ dir, origin: dir }]);
  } catch (err) {
    assert.ok(err instanceof RuleLoadError, String(err));
    return err.errors.map((e) => e.replaceAll(dir + '/', ''));
  }
  assert.fail('expected the load to fail');
}

const SIGNATURE_CLASSES = 'mmap_lock_read, mmap_lock_write, io_wait_block, page_lock, writeback_throttle, nfs, fuse, jbd2_journal, xfs_log, mutex, rwsem_other, memory_reclaim, compaction, cgroup_freezer, vfork, fs_freeze, other';
const OPERATORS = 'equal, notEqual, lessThan, lessThanInclusive, greaterThan, greaterThanInclusive, in, notIn, contains, doesNotContain';

/** Bad rule files and the exact errors they give; names are relative to the rule set directory. */
const CASES: { name: string; files: Record<string, string>; want: string[] }[] = [
  { name: 'YAML syntax error', files: { 'a.yaml': 'id: a\ntitle: [unclosed\n' }, want: ['a.yaml:3:1: unexpected end of the stream within a flow collection'] },
  { name: 'a YAML key given twice', files: { 'a.yaml': GOOD + 'title: again\n' }, want: ['a.yaml:11:1: duplicated mapping key'] },
  {
    name: 'unknown key, with the keys allowed',
    files: { 'a.yaml': GOOD + 'colour: red\n' },
    want: ["a.yaml:11:1: unknown key 'colour' (allowed: id, title, severity, description, tags, enabled, override, for_each, params, requires, contradicts, conditions, message, advice, references, translations)"],
  },
  { name: 'misspelt key', files: { 'a.yaml': GOOD + 'serverity: critical\n' }, want: ["a.yaml:11:1: unknown key 'serverity' (did you mean 'severity'?)"] },
  { name: 'misspelt key in a condition', files: { 'a.yaml': GOOD.replace('- fact:', '- fcat:') }, want: ["a.yaml:7:7: missing required key 'fact' in conditions.all[0]", "a.yaml:7:7: unknown key 'fcat' in conditions.all[0] (did you mean 'fact'?)"] },
  { name: 'misspelt condition group', files: { 'a.yaml': GOOD.replace('  all:', '  al:') }, want: ["a.yaml:6:3: unknown key 'al' in conditions (did you mean 'all'?)"] },
  { name: 'wrong enum value', files: { 'a.yaml': GOOD.replace('severity: warning', 'severity: 3') }, want: ['a.yaml:3:11: severity: must be one of critical, warning, info, not 3'] },
  { name: 'wrong type', files: { 'a.yaml': GOOD + 'tags: loud\n' }, want: ["a.yaml:11:7: tags: must be a list, not 'loud'"] },
  { name: 'a threshold that is not a number', files: { 'a.yaml': GOOD.replace('value: 10', 'value: ten') }, want: ["a.yaml:9:14: conditions.all[0].value: must be a number, not 'ten'"] },
  { name: 'a list item given twice', files: { 'a.yaml': GOOD + 'tags: [a, b, a]\n' }, want: ["a.yaml:11:14: tags: 'a' is listed twice (items 0 and 2)"] },
  {
    name: 'a command without safe',
    files: { 'a.yaml': GOOD + 'advice:\n  - text: look\n    command: ls\n' },
    want: ["a.yaml:12:5: missing required key 'safe' in advice[0]: a command says whether it is safe to paste (true: read-only, false: changes the system)"],
  },
  { name: 'an empty file', files: { 'a.yaml': '' }, want: ['a.yaml:1:1: the file must be a mapping, not nothing'] },
  {
    name: 'unknown fact, with a suggestion',
    files: { 'a.yaml': GOOD.replace('fact: tasks.threads.D', 'fact: mem.comitRatio') },
    want: ["a.yaml:7:13: conditions.all[0].fact: unknown fact 'mem.comitRatio' (did you mean 'mem.commitRatio'?)"],
  },
  {
    name: 'unknown fact in the message',
    files: { 'a.yaml': GOOD.replace('{{ tasks.threads.D }}', '{{ tasks.threads.DD }}') },
    want: ["a.yaml:10:10: message: unknown fact 'tasks.threads.DD' (did you mean 'tasks.threads.D'?)"],
  },
  {
    name: 'entity fact without for_each',
    files: { 'a.yaml': GOOD.replace('fact: tasks.threads.D', 'fact: process.dThreads') },
    want: ["a.yaml:7:13: conditions.all[0].fact: unknown fact 'process.dThreads'"],
  },
  {
    name: 'unknown operator',
    files: { 'a.yaml': GOOD.replace('greaterThan', 'greaterThen') },
    want: [`a.yaml:8:17: conditions.all[0].operator: unknown operator 'greaterThen' (did you mean 'greaterThan'?) (known: ${OPERATORS})`],
  },
  {
    name: 'a schema error and an unknown fact in one file: both',
    files: { 'a.yaml': GOOD.replace('greaterThan', 'greaterThen').replace('{{ tasks.threads.D }}', '{{ tasks.thread.D }}') },
    want: [
      `a.yaml:8:17: conditions.all[0].operator: unknown operator 'greaterThen' (did you mean 'greaterThan'?) (known: ${OPERATORS})`,
      "a.yaml:10:10: message: unknown fact 'tasks.thread.D' (did you mean 'tasks.threads.D'?)",
    ],
  },
  {
    name: 'a js function tag',
    files: { 'a.yaml': GOOD + 'x: !!js/function "function () { return 1 }"\n' },
    want: ['a.yaml:11:4: unknown tag !<tag:yaml.org,2002:js/function>: rule files are plain data (YAML core schema), tags are not allowed'],
  },
  {
    name: 'duplicate ids in one set',
    files: { 'a.yaml': GOOD, 'b.yaml': GOOD },
    want: ["b.yaml:1:5: duplicate rule id 'many-d' (also in a.yaml:1:5); one rule set defines each id once"],
  },
  {
    name: 'requires unknown rules',
    files: { 'a.yaml': GOOD + 'requires: [nope, many-e]\n' },
    want: ["a.yaml:11:12: requires[0]: unknown rule 'nope'", "a.yaml:11:18: requires[1]: unknown rule 'many-e' (did you mean 'many-d'?)"],
  },
  {
    name: 'requires cycle',
    files: { 'a.yaml': GOOD.replace('id: many-d', 'id: aa') + 'requires: [bb]\n', 'b.yaml': GOOD.replace('id: many-d', 'id: bb') + 'requires: [aa]\n' },
    want: ['b.yaml:11:12: requires[0]: requires cycle aa -> bb -> aa'],
  },
  {
    name: 'a rule that requires itself',
    files: { 'a.yaml': GOOD + 'requires: [many-d]\n' },
    want: ['a.yaml:11:12: requires[0]: requires cycle many-d -> many-d'],
  },
  {
    name: 'an unknown template filter',
    files: { 'a.yaml': GOOD.replace('{{ tasks.threads.D }}', '{{ tasks.threads.D | exec }}') },
    want: ["a.yaml:10:10: message: unknown filter 'exec' in '{{ tasks.threads.D | exec }}' (known: fixed, percent, kb, list, words)"],
  },
  {
    name: 'a template expression',
    files: { 'a.yaml': GOOD.replace('{{ tasks.threads.D }}', '{{ process.env.HOME }}') },
    want: ["a.yaml:10:10: message: unknown fact 'process.env.HOME'"],
  },
  {
    name: 'unknown param in a condition',
    files: { 'a.yaml': GOOD.replace('value: 10', 'value: { param: minD }') + 'params:\n  minDD: 3\n' },
    want: ["a.yaml:9:23: conditions.all[0].value.param: unknown param 'minD' (did you mean 'minDD'?) (this rule's params: minDD)"],
  },
  {
    name: 'unknown param in a template',
    files: { 'a.yaml': GOOD.replace('tasks in D', 'over {{ params.min }}') },
    want: ["a.yaml:10:10: message: unknown param 'min' in {{ params.min }} (this rule has no params)"],
  },
  {
    name: 'a template reaching past a param',
    files: { 'a.yaml': GOOD.replace('tasks in D', '{{ params.min.constructor }}') + 'params:\n  min: 1\n' },
    want: ["a.yaml:10:10: message: malformed param slot '{{ params.min.constructor }}': a param slot is {{ params.NAME }}"],
  },
  {
    name: 'a param of the wrong kind for its operator',
    files: { 'a.yaml': GOOD.replace('value: 10', 'value: { param: minD }') + 'params:\n  minD: lots\n' },
    want: ['a.yaml:12:9: params.minD: tasks.threads.D greaterThan needs a number, not "lots" (at conditions.all[0])'],
  },
  { name: 'a bad param name', files: { 'a.yaml': GOOD + 'params:\n  min-d: 3\n' }, want: ['a.yaml:12:3: params: invalid name \'min-d\': must match pattern "^[A-Za-z][A-Za-z0-9_]*$"'] },
  {
    name: 'deep nesting',
    files: { 'a.yaml': GOOD + 'x: ' + '['.repeat(40) + ']'.repeat(40) + '\n' },
    want: ['a.yaml:11:35: nesting deeper than 32 levels of mappings and lists'],
  },
  {
    name: 'deep nesting in block style',
    files: { 'a.yaml': GOOD + Array.from({ length: 40 }, (_, i) => `${'  '.repeat(i)}k:\n`).join('') },
    want: ['a.yaml:43:65: nesting deeper than 32 levels of mappings and lists'],
  },
  {
    name: 'a second document',
    files: { 'a.yaml': GOOD + '---\nid: other\n' },
    want: ['a.yaml:12:1: expected a single document in the stream, but found more'],
  },
];

describe('rule loading errors: file:line:column: message', () => {
  for (const c of CASES) {
    it(c.name, () => assert.deepEqual(loadErrors(c.files), c.want));
  }

  it('a billion-laughs alias bomb is refused at the alias that multiplies, in well under a second', () => {
    const started = performance.now();
    const errors = loadErrors({ 'a.yaml': BILLION_LAUGHS });
    const ms = performance.now() - started;
    assert.deepEqual(errors, ['a.yaml:5:8: alias *d expands the data past 10000 nodes added by aliases: aliases may share a few nodes, not multiply them']);
    assert.ok(ms < 1000, `took ${ms} ms`);
  });

  it('a few aliases are fine', () => {
    const dir = ruleDir({ 'a.yaml': GOOD + 'tags: &t [a, b]\nreferences:\n  - &r { title: one, url: "https://example.com" }\n  - *r\n' });
    const [rule] = loadRules([{ dir, origin: dir }]);
    assert.deepEqual(rule!.tags, ['a', 'b']);
    assert.equal(rule!.references!.length, 2);
  });

  it('a 50 MB file is refused on its size, without parsing it, in well under a second', () => {
    const dir = ruleDir({});
    writeFileSync(join(dir, 'big.yaml'), Buffer.alloc(50 * 1024 * 1024, 'key: value\n'));
    const started = performance.now();
    try {
      loadRules([{ dir, origin: dir }]);
      assert.fail('expected the load to fail');
    } catch (err) {
      assert.ok(err instanceof RuleLoadError);
      assert.deepEqual(err.errors, [`${dir}/big.yaml:1:1: ${50 * 1024 * 1024} bytes is over the ${MAX_RULE_FILE_BYTES}-byte limit for a rule file`]);
    }
    const ms = performance.now() - started;
    assert.ok(ms < 1000, `took ${ms} ms`);
  });

  it('reports every problem of every file at once, each file in order of position', () => {
    const errors = loadErrors({
      'a.yaml': 'id: [\n',
      'b.yaml': GOOD.replace('severity: warning', 'severity: loud').replace('title: Many D tasks\n', '') + 'colour: red\n',
      'c.yaml': GOOD.replace('id: many-d', 'id: other').replace('tasks.threads.D\n', 'mem.comitRatio\n') + 'requires: [nope]\n',
    });
    assert.deepEqual(errors, [
      'a.yaml:2:1: unexpected end of the stream within a flow collection',
      "b.yaml:1:1: missing required key 'title'",
      "b.yaml:2:11: severity: must be one of critical, warning, info, not 'loud'",
      "b.yaml:10:1: unknown key 'colour' (allowed: id, title, severity, description, tags, enabled, override, for_each, params, requires, contradicts, conditions, message, advice, references, translations)",
      "c.yaml:7:13: conditions.all[0].fact: unknown fact 'mem.comitRatio' (did you mean 'mem.commitRatio'?)",
      "c.yaml:11:12: requires[0]: unknown rule 'nope'",
    ]);
  });

  it('loads nothing when any file is broken', () => {
    const good = ruleDir({ 'a.yaml': GOOD });
    const bad = ruleDir({ 'b.yaml': 'id: [\n' });
    assert.throws(() => loadRules([{ dir: good, origin: good }, { dir: bad, origin: bad }]), RuleLoadError);
  });
});

describe('rule sets', () => {
  it('a later set replaces a rule by id, and enabled: false switches it off', () => {
    const first = ruleDir({ 'a.yaml': GOOD, 'b.yaml': GOOD.replace('id: many-d', 'id: other') });
    const second = ruleDir({ 'a.yaml': GOOD.replace('value: 10', 'value: 50') });
    const third = ruleDir({ 'b.yaml': GOOD.replace('id: many-d', 'id: other') + 'enabled: false\n' });
    const rules = loadRules([
      { dir: first, origin: 'first' },
      { dir: second, origin: 'second' },
      { dir: third, origin: 'third' },
    ]);
    assert.deepEqual(rules.map((r) => [r.id, r.origin, r.overriddenBy]), [['many-d', 'second', []]]);
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

  it('built-in thresholds are params, resolved to the values they had', () => {
    const rules = new Map(loadRules(ruleSetSources([], join(tmp, 'no-site-dir'))).map((r) => [r.id, r]));
    const thresholds = (id: string) => {
      const conditions = rules.get(id)!.conditions as { all: { fact: string; value: unknown }[] };
      return Object.fromEntries(conditions.all.map((c) => [c.fact, c.value]));
    };
    assert.deepEqual(thresholds('d-task-pileup'), { 'tasks.threads.dNotFrozen': 100 });
    assert.deepEqual(thresholds('load-high-cpus-idle'), { 'load.perCpu': 4, 'cpu.idleRatio': 0.5 });
    assert.deepEqual(thresholds('memory-overcommitted-no-swap'), { 'mem.commitRatio': 1.5, 'mem.swapTotalKb': 0 });
    assert.deepEqual(thresholds('mmap-lock-proc-readers'), { 'target.mmapLockReaders': 3 });
    assert.deepEqual(thresholds('zombies-under-one-parent'), { 'process.zombieChildren': 50 });
    assert.deepEqual(thresholds('high-order-fragmentation'), { 'zone.firstEmptyOrder': 3, 'zone.highOrderFreeRatio': 0.1, 'zone.freePages': 1024 });
    assert.deepEqual(rules.get('d-task-pileup')!.params, { minDTasks: 100 });
  });
});

describe('the CLI refuses each bad rule set: exit 3, the errors on stderr, nothing run', () => {
  const tree = join(repoRoot, 'test', 'fixtures', 'conformance', 'procfs-fixtures', 'proc');
  const cases = [
    ...CASES,
    { name: 'a billion-laughs alias bomb', files: { 'a.yaml': BILLION_LAUGHS }, want: ['a.yaml:5:8: alias *d expands the data past 10000 nodes added by aliases: aliases may share a few nodes, not multiply them'] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      // A good rule beside the bad file: it must not run either.
      const dir = ruleDir({ ...c.files, 'zz-good.yaml': GOOD.replace('id: many-d', 'id: zz-good').replace('greaterThan\n      value: 10', 'greaterThanInclusive\n      value: 0') });
      const started = performance.now();
      const r = await runCli(['diagnose', '--rules', dir, '--proc-root', tree]);
      const ms = performance.now() - started;
      assert.equal(r.code, 3);
      assert.equal(r.stdout, '');
      const listed = r.stderr.split('\n').filter((l) => l.startsWith('  ')).map((l) => l.slice(2).replaceAll(dir + '/', ''));
      assert.deepEqual(listed, c.want, r.stderr);
      assert.match(r.stderr, /^procdx: the rules could not be loaded; nothing was run/);
      assert.ok(ms < 1000, `took ${ms} ms`);
    });
  }

  it('the same good rule alone loads and fires, so it was the bad file that stopped it', async () => {
    const dir = ruleDir({ 'zz-good.yaml': GOOD.replace('id: many-d', 'id: zz-good').replace('greaterThan\n      value: 10', 'greaterThanInclusive\n      value: 0') });
    const r = await runCli(['diagnose', '--rules', dir, '--proc-root', tree, '--format', 'json']);
    const report = JSON.parse(r.stdout) as { findings: { rule: string }[] };
    assert.ok(report.findings.some((f) => f.rule === 'zz-good'), r.stdout.slice(0, 500));
  });

  it('procdx as a process: a 50 MB rule file, exit 3 on its size', () => {
    const dir = ruleDir({});
    writeFileSync(join(dir, 'big.yaml'), Buffer.alloc(50 * 1024 * 1024, 'key: value\n'));
    const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'procdx.js'), 'rules', 'list', '--rules', dir], { encoding: 'utf8' });
    assert.equal(r.status, 3);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`\n  ${dir}/big\\.yaml:1:1: 52428800 bytes is over the 262144-byte limit for a rule file\n`));
  });
});

describe('signature files: the same positioned errors', () => {
  it('schema problems and duplicate ids in one directory', () => {
    const dir = ruleDir({
      'a.yaml': 'id: my-wait\nwait_class: mutex\ntitle: t\ndescription: d\ntop: [my_lock]\n',
      'b.yaml': 'id: my-wait\nwait_class: mutex\ntitle: t\ndescription: d\ntop: [my_lock]\n',
      'c.yaml': 'id: other\nwait_class: mutexx\ntitle: t\ndescription: d\ntop: [my_lock, my_lock]\nbottom: []\n',
    });
    try {
      loadSignatureCatalog([dir]);
      assert.fail('expected the load to fail');
    } catch (err) {
      assert.ok(err instanceof SignatureCatalogError, String(err));
      assert.deepEqual(err.errors.map((e) => e.replaceAll(dir + '/', '')), [
        "b.yaml:1:5: duplicate signature id 'my-wait' (also in a.yaml:1:5)",
        `c.yaml:2:13: wait_class: must be one of ${SIGNATURE_CLASSES}, not 'mutexx' (did you mean 'mutex'?)`,
        "c.yaml:5:16: top: 'my_lock' is listed twice (items 0 and 1)",
        "c.yaml:6:1: unknown key 'bottom' (allowed: id, wait_class, context, title, description, above, top, below)",
      ]);
    }
  });
});
