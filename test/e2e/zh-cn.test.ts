import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRuleBase } from '../../src/diagnose.js';
import type { Report } from '../../src/report/report.js';
import { columns } from '../../src/report/text.js';
import { lintRules } from '../../src/rules/lint.js';
import { seedKernelLog } from '../fixtures/trees/kernel-logs.js';
import { writeSeedTree } from '../fixtures/trees/seed-tree.js';
import { scratchDir } from '../support/scratch.js';
import { runCli } from './run-cli.js';

// The seed's authors wrote their notes in Chinese: the same outage, reported in zh-CN.

const CJK = /[\u4e00-\u9fff]/;
const scratch = scratchDir('seed-zh');
const logDir = scratchDir('seed-zh-log');
let args: string[];

before(() => {
  const manifest = writeSeedTree(scratch.dir, { era: '2.6' });
  const log = join(logDir.dir, 'dmesg.txt');
  writeFileSync(log, seedKernelLog(manifest));
  args = ['diagnose', '--proc-root', scratch.dir, '--kernel-log', log];
});
after(() => {
  scratch.remove();
  logDir.remove();
});

describe('the seed outage in Simplified Chinese', () => {
  it('every built-in rule has all its texts in zh-CN, showing the same facts as the English ones', () => {
    const { rules } = loadRuleBase([], '/nonexistent-site-rules');
    assert.deepEqual(lintRules(rules, ['zh-CN']).filter((n) => !n.message.startsWith('param ')), []);
  });

  it('LANG=zh_CN.UTF-8 gives the same findings, ids and facts as English, with Chinese titles, messages and advice', async () => {
    const en = JSON.parse((await runCli([...args, '--format', 'json'], { PROCDX_STORE: 'none', LANG: 'C' })).stdout) as Report;
    const zh = JSON.parse((await runCli([...args, '--format', 'json'], { PROCDX_STORE: 'none', LANG: 'zh_CN.UTF-8' })).stdout) as Report;
    assert.equal(en.lang, 'en');
    assert.equal(zh.lang, 'zh-CN');
    assert.deepEqual(zh.findings.map((f) => f.id), en.findings.map((f) => f.id));
    // A translation may cite its facts in another order; the facts and values are the same.
    const facts = (r: Report) => r.findings.map((f) => f.evidence.map((e) => `${e.fact}=${JSON.stringify(e.value)}`).sort());
    assert.deepEqual(facts(zh), facts(en));
    for (const f of zh.findings) {
      assert.match(f.title, CJK, `${f.id} title`);
      assert.match(f.message, CJK, `${f.id} message`);
      for (const a of f.advice) assert.match(a.text, CJK, `${f.id} advice`);
    }
    const pileup = zh.findings.find((f) => f.id === 'd-task-pileup@host')!;
    assert.equal(pileup.message, '9464 个任务中有 6064 个处于不可中断睡眠（D）；按等待类别：mmap_lock_read 6063, jbd2_journal 1');
  });

  it('--lang zh-CN: the text report speaks Chinese around the findings and fits 80 columns', async () => {
    const run = await runCli([...args, '--lang', 'zh-CN'], { PROCDX_STORE: 'none', LANG: 'C' });
    assert.equal(run.code, 2);
    assert.match(run.stdout, /^3 个严重，/m);
    assert.match(run.stdout, /^诊断链（根因在前/m);
    assert.match(run.stdout, /^ {4}证据$/m);
    assert.match(run.stdout, /^ {4}建议$/m);
    const wide = run.stdout.split('\n').filter((line) => columns(line) > 80);
    assert.deepEqual(wide, []);
  });

  it('a language no rule offers falls back to English and says so on stderr', async () => {
    const run = await runCli([...args, '--format', 'json', '--lang', 'fr'], { PROCDX_STORE: 'none' });
    assert.match(run.stderr, /--lang fr: no rule has texts in it \(languages: en, zh-CN\); reporting in English/);
    assert.equal((JSON.parse(run.stdout) as Report).lang, 'en');
  });
});
