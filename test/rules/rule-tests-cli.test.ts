import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeHealthyTree } from '../fixtures/trees/healthy-tree.js';
import { runCli } from '../e2e/run-cli.js';
import { repoRoot } from '../support/paths.js';
import { scratchDir } from '../support/scratch.js';
import { ruleDirs } from '../support/rule-dirs.js';

/** `procdx rules test` and `procdx rules validate` on a site rule set in a temp directory. */

const { ruleDir: site } = ruleDirs('rule-tests');

const SITE_RULE = `id: zabbix-agents-in-d
title: Many zabbix_agentd tasks in D
severity: warning
description: Our monitoring agent piles up in D when what it polls hangs.
for_each: command
conditions:
  all:
    - fact: command.name
      operator: equal
      value: zabbix_agentd
    - fact: command.dThreads
      operator: greaterThan
      value: 50
message: "{{ command.dThreads }} zabbix_agentd tasks are in D"
`;

const PASSING = `cases:
  - name: 51 agents in D
    entities:
      command:
        - subject: { comm: zabbix_agentd }
          facts:
            command.dThreads: 51
    fires:
      - rule: zabbix-agents-in-d
        subject: command:zabbix_agentd
        message: "51 zabbix_agentd tasks are in D"
  - name: 50 agents in D
    entities:
      command:
        - subject: { comm: zabbix_agentd }
          facts:
            command.dThreads: 50
    silent: [zabbix-agents-in-d]
`;

/** Expects the threshold to be 40, and a rule to be silent that is not evaluated. */
const FAILING = `cases:
  - name: 45 agents in D
    entities:
      command:
        - subject: { comm: zabbix_agentd }
          facts:
            command.dThreads: 45
    fires:
      - rule: zabbix-agents-in-d
        subject: command:zabbix_agentd
        severity: warning
        message_contains: "45 zabbix_agentd tasks"
  - name: 60 agents in D, and the host pile-up
    entities:
      command:
        - subject: { comm: zabbix_agentd }
          facts:
            command.dThreads: 60
    fires:
      - rule: zabbix-agents-in-d
        subject: command:zabbix_agentd
        severity: critical
    silent: [d-task-pileup]
`;

describe('procdx rules test', () => {
  it('passing cases: each listed as ok, the last line "2 passed, 0 failed", exit 0', async () => {
    const dir = site({ 'zabbix-agents-in-d.yaml': SITE_RULE, 'zabbix-agents-in-d.test.yaml': PASSING });
    const r = await runCli(['rules', 'test', '--rules', dir, dir]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(
      r.stdout,
      `${join(dir, 'zabbix-agents-in-d.test.yaml')}\n  ok    51 agents in D\n  ok    50 agents in D\n\n2 passed, 0 failed\n`,
    );
  });

  it('a failing case names the rule, the expected and the actual findings and why a rule was not evaluated; exit 1', async () => {
    const dir = site({ 'zabbix-agents-in-d.yaml': SITE_RULE, 'zabbix-agents-in-d.test.yaml': FAILING });
    const file = join(dir, 'zabbix-agents-in-d.test.yaml');
    const r = await runCli(['rules', 'test', '--rules', dir, file]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 1);
    assert.equal(
      r.stdout,
      [
        file,
        `  FAIL  45 agents in D (${file}:2)`,
        '        rule zabbix-agents-in-d: findings differ (1 expected not found)',
        '          expected:',
        '            MISSING  command:zabbix_agentd, warning, message containing "45 zabbix_agentd tasks"',
        '          actual: no finding',
        `  FAIL  60 agents in D, and the host pile-up (${file}:13)`,
        '        rule zabbix-agents-in-d: findings differ (1 expected not found, 1 not expected)',
        '          expected:',
        '            MISSING  command:zabbix_agentd, critical',
        '                     severity: expected critical, actual warning',
        '          actual:',
        '            EXTRA    command:zabbix_agentd, warning, message "60 zabbix_agentd tasks are in D"',
        '        rule d-task-pileup: expected silent (evaluated, no finding), but it was not evaluated',
        '          not evaluated: tasks.threads.dNotFrozen: not computed on this host',
        '',
        '0 passed, 2 failed',
        '',
      ].join('\n'),
    );
  });

  it('without paths: the tests of every rule set, built-in ones included (tree cases skipped: trees are test fixtures)', async () => {
    const dir = site({ 'zabbix-agents-in-d.yaml': SITE_RULE, 'zabbix-agents-in-d.test.yaml': PASSING });
    const r = await runCli(['rules', 'test', '--rules', dir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^rules\/[a-z]+\/[a-z0-9-]+\.test\.yaml\n/);
    assert.match(r.stdout, /\nrules\/load\/load-high-cpus-idle\.test\.yaml\n/);
    assert.match(r.stdout, /\n {2}skip {2}a healthy host \(tree healthy\)\n/);
    assert.ok(r.stdout.includes(`${join(dir, 'zabbix-agents-in-d.test.yaml')}\n  ok    51 agents in D\n`));
    assert.match(r.stdout, /\n\d+ skipped: fixture trees are written by the test harness \(npm test\), not shipped with procdx\n\d+ passed, 0 failed\n$/);
  });

  it('a test file with a typo: exit 3, every problem positioned, nothing run', async () => {
    const typo = PASSING.replace('command.dThreads: 51', 'command.dThread: 51').replace('rule: zabbix-agents-in-d\n', 'rule: zabbix-agent-in-d\n');
    const dir = site({ 'zabbix-agents-in-d.yaml': SITE_RULE, 'zabbix-agents-in-d.test.yaml': typo });
    const file = join(dir, 'zabbix-agents-in-d.test.yaml');
    const r = await runCli(['rules', 'test', '--rules', dir, dir]);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      [
        'procdx: the rule tests could not be loaded; nothing was run. Fix these and try again:',
        `  ${file}:7:13: case '51 agents in D': unknown command fact 'command.dThread' (did you mean 'command.dThreads'?) (command facts: command.dThreads, command.name, command.processes, command.threads, command.zombies)`,
        `  ${file}:9:15: case '51 agents in D': no rule 'zabbix-agent-in-d' is loaded (did you mean 'zabbix-agents-in-d'?); a site rule's directory must be given with --rules, and a disabled rule (enabled: false) cannot be tested`,
        '',
      ].join('\n'),
    );
  });

  it('a built-in rule disabled by a site set: the built-in cases that name it are skipped, not refused', async () => {
    const dir = site({ 'zombies-under-one-parent.yaml': 'id: zombies-under-one-parent\noverride: true\nenabled: false\n' });
    const r = await runCli(['rules', 'test', '--rules', dir]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /\n {2}skip {2}49 zombies under one parent are not reported \(names disabled rule zombies-under-one-parent\)\n/);
    assert.match(r.stdout, /\n10 skipped: they name rules a rule set disabled \(enabled: false\)\n\d+ passed, 0 failed\n$/);
  });

  it('a site rule tested without its --rules directory: the error says how to load it', async () => {
    const dir = site({ 'zabbix-agents-in-d.yaml': SITE_RULE, 'zabbix-agents-in-d.test.yaml': PASSING });
    const r = await runCli(['rules', 'test', dir]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /no rule 'zabbix-agents-in-d' is loaded; a site rule's directory must be given with --rules/);
  });

  it('a path that is not a test file or directory: exit 3', async () => {
    const dir = site({ 'zabbix-agents-in-d.yaml': SITE_RULE });
    const r = await runCli(['rules', 'test', '--rules', dir, join(dir, 'zabbix-agents-in-d.yaml'), join(dir, 'missing.test.yaml')]);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /zabbix-agents-in-d\.yaml: not a rule test file \(\*\.test\.yaml\) or a directory\n/);
    assert.match(r.stderr, /missing\.test\.yaml: no such file or directory\n/);
  });
});

describe('a snapshot written by procdx capture as a test input', () => {
  const scratch = scratchDir('rule-tests-snapshot');
  let dir = '';
  before(async () => {
    writeHealthyTree(scratch.dir);
    dir = site({ 'zabbix-agents-in-d.yaml': SITE_RULE });
    const capture = await runCli(['capture', '--proc-root', scratch.dir, '-o', join(dir, 'healthy.tar.gz')]);
    assert.equal(capture.code, 0, capture.stderr);
  });
  after(() => scratch.remove());

  it('is read relative to the test file, and overrides lay facts over it', async () => {
    writeFileSync(
      join(dir, 'zabbix-agents-in-d.test.yaml'),
      `cases:
  - name: a healthy host
    snapshot: healthy.tar.gz
    silent: [zabbix-agents-in-d, d-task-pileup, memory-overcommitted-no-swap]
  - name: the healthy host with its agents stuck
    snapshot: healthy.tar.gz
    override:
      facts:
        tasks.threads.D: 180
        tasks.threads.dNotFrozen: 180
      entities:
        command:
          - subject: { comm: zabbix_agentd }
            facts:
              command.dThreads: 180
    fires:
      - rule: zabbix-agents-in-d
        subject: command:zabbix_agentd
        message: "180 zabbix_agentd tasks are in D"
      - rule: d-task-pileup
        message_contains: "180 of "
`,
    );
    const r = await runCli(['rules', 'test', '--rules', dir, dir]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /\n2 passed, 0 failed\n$/);
  });

  it('a snapshot that is not there is a load error at its line', async () => {
    writeFileSync(join(dir, 'missing.test.yaml'), 'cases:\n  - name: gone\n    snapshot: gone.tar.gz\n    silent: [d-task-pileup]\n');
    const r = await runCli(['rules', 'test', '--rules', dir, join(dir, 'missing.test.yaml')]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /missing\.test\.yaml:3:15: case 'gone': snapshot 'gone\.tar\.gz' not found \(resolved to .*gone\.tar\.gz\); give a file written by procdx capture, relative to this test file\n/);
  });
});

describe('procdx rules validate', () => {
  it('a rule directory and its tests: "ok", exit 0, nothing run', async () => {
    const dir = site({ 'zabbix-agents-in-d.yaml': SITE_RULE, 'zabbix-agents-in-d.test.yaml': PASSING });
    const r = await runCli(['rules', 'validate', dir]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^ok: \d+ rules and \d+ stack signatures in effect, 1 test file with 2 cases\n$/);
  });

  it('one broken rule file: its own path and position, exit 3', async () => {
    const dir = site({ 'broken.yaml': 'id: broken\ntitle: [\n' });
    const file = join(dir, 'broken.yaml');
    const r = await runCli(['rules', 'validate', file]);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^procdx: the rules are not valid\\. Fix these and try again:\\n {2}${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3:1: `));
  });

  it('a broken test file: every problem, exit 3', async () => {
    const dir = site({ 'zabbix-agents-in-d.yaml': SITE_RULE, 'zabbix-agents-in-d.test.yaml': PASSING.replace('silent: [zabbix-agents-in-d]', 'silent: [zabbix-agents-in-d]\n    tree: healthy') });
    const r = await runCli(['rules', 'validate', dir]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /zabbix-agents-in-d\.test\.yaml:12:5: case '50 agents in D': a case has one input: inline facts\/entities\/gaps, a tree, or a snapshot, not two/);
  });

  it('the built-in rules and their tests are valid', async () => {
    const r = await runCli(['rules', 'validate', join(repoRoot, 'rules')]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
  });
});
