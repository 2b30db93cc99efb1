import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { builtinRulesDir } from '../../src/paths.js';
import { loadSignatureCatalog } from '../../src/signatures/catalog.js';
import { classifyPasted } from '../../src/signatures/classify-command.js';
import { splitStacks } from '../../src/signatures/stack-input.js';
import { runCli } from '../e2e/run-cli.js';
import { repoRoot } from '../support/paths.js';

// Two hung-task reports (one with kernel timestamps, one with syslog prefixes, `?` frames and
// <TASK> markers) and two /proc/PID/stack stacks, as a user would paste them from a ticket.
const pasted = join(repoRoot, 'test', 'signatures', 'pasted-stacks.txt');

describe('procdx stack classify', () => {
  it('finds each stack in pasted text, with its label and the input lines of its frames', async () => {
    const { readFileSync } = await import('node:fs');
    const stacks = splitStacks(readFileSync(pasted, 'utf8'));
    assert.deepEqual(
      stacks.map((s) => [s.label, s.line, s.frames.length, s.frames[0]?.line]),
      [
        ['task labmemread:8475', 1, 7, 6],
        ['task ps:316', 14, 6, 15],
        ['stack 3', 22, 3, 22],
        ['stack 4', 27, 1, 27],
      ],
    );
    assert.equal(stacks[0]!.frames.find((f) => f.fn === 'update_load_avg')?.unreliable, true);
  });

  it('names the wait class, the signature and the frames that decided it', async () => {
    const r = await runCli(['stack', 'classify', pasted, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { label: string; waitClass: string; signature: string | null; frames: string[] }[];
    assert.deepEqual(
      out.map((s) => [s.label, s.waitClass, s.signature]),
      [
        ['task labmemread:8475', 'io_wait_block', 'block-io-wait'],
        ['task ps:316', 'mmap_lock_read', 'mmap-lock-proc-reader'],
        ['stack 3', 'mmap_lock_read', 'mmap-lock-page-fault'],
        ['stack 4', 'unclassified', null],
      ],
    );
    assert.deepEqual(out[2]!.frames, ['call_rwsem_down_read_failed+0x14 (line 22)', 'do_page_fault+0x1f3 (line 23)']);
  });

  it('text output, and a clear word when there is no stack', async () => {
    const r = await runCli(['stack', 'classify', pasted]);
    assert.match(r.stdout, /^task ps:316 \(line 14\): mmap_lock_read, signature mmap-lock-proc-reader$/m);
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const empty = join(mkdtempSync(join(tmpdir(), 'procdx-classify-')), 'none.txt');
    writeFileSync(empty, 'hello\n');
    const none = await runCli(['stack', 'classify', empty]);
    assert.equal(none.stdout, 'no stack found: give /proc/PID/stack lines or a kernel hung-task report\n');
  });

  it('reads 2.6-era reports, whose frames are indented and follow raw stack words', () => {
    // RHEL 6 (2.6.32) dmesg: no timestamps (printk.time off), " [<address>] " frames, "?" after the address.
    const report = [
      'INFO: task ps:316 blocked for more than 120 seconds.',
      '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
      'ps            D 0000000000000002     0   316  30021 0x00000080',
      ' ffff8801f3b4bd68 0000000000000086 0000000000000000 ffff8801f3b4bd10',
      'Call Trace:',
      ' [<ffffffff814ee1f5>] rwsem_down_failed_common+0x95/0x1d0',
      ' [<ffffffff814ee353>] rwsem_down_read_failed+0x23/0x30',
      ' [<ffffffff81264a14>] call_rwsem_down_read_failed+0x14/0x30',
      ' [<ffffffff814ed804>] ? down_read+0x24/0x30',
      ' [<ffffffff81140fe2>] __access_remote_vm+0x42/0x1d0',
      ' [<ffffffff811411cb>] access_process_vm+0x5b/0x80',
      ' [<ffffffff811e32d0>] proc_pid_cmdline+0x90/0x110',
      ' [<ffffffff8117ab39>] vfs_read+0xc9/0x1a0',
      '',
    ].join('\n');
    const catalog = loadSignatureCatalog([join(builtinRulesDir, 'signatures')]);
    const [stack] = classifyPasted(report, catalog);
    assert.deepEqual([stack?.label, stack?.line, stack?.waitClass, stack?.signature], ['task ps:316', 1, 'mmap_lock_read', 'mmap-lock-proc-reader']);
    assert.equal(stack?.frames.at(-1), 'proc_pid_cmdline+0x90 (line 12)');
  });
});
