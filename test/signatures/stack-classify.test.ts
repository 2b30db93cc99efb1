import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
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
});
