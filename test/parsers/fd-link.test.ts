import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseFdLink, type FdTarget } from '../../src/parsers/fd-link.js';
import { assertFact, factsOf, unknownFact } from './corpus.js';

describe('parseFdLink: conformance corpus (pid_fd)', () => {
  for (const { fact, path } of factsOf('pid_fd')) {
    it(fact.id, () => {
      if (fact.field === '=fds' || fact.field === '=count') {
        const fds = readdirSync(path).map(Number).sort((a, b) => a - b);
        return assertFact(fact, fact.field === '=fds' ? fds : fds.length);
      }
      if (fact.field !== 'target') unknownFact(fact);
      // readlink, never a read through the link: the targets are relative and some dangle.
      const text = readlinkSync(path);
      const target = parseFdLink(text);
      assert.deepStrictEqual(target, { kind: 'path', text, deleted: false });
      assertFact(fact, target.text);
    });
  }
});

describe('parseFdLink: tricky inputs', () => {
  const cases: Array<{ name: string; input: string; want: FdTarget }> = [
    { name: 'doc sample: a thread\'s stack', input: '/proc/16653/task/16657/stack', want: { kind: 'proc', pid: 16653, tid: 16657, file: 'stack', text: '/proc/16653/task/16657/stack' } },
    { name: 'another process\'s cmdline', input: '/proc/16653/cmdline', want: { kind: 'proc', pid: 16653, tid: null, file: 'cmdline', text: '/proc/16653/cmdline' } },
    { name: 'a process directory', input: '/proc/16653', want: { kind: 'proc', pid: 16653, tid: null, file: '', text: '/proc/16653' } },
    { name: 'a thread directory', input: '/proc/16653/task/16657', want: { kind: 'proc', pid: 16653, tid: 16657, file: '', text: '/proc/16653/task/16657' } },
    { name: 'the task directory itself', input: '/proc/16653/task', want: { kind: 'proc', pid: 16653, tid: null, file: 'task', text: '/proc/16653/task' } },
    { name: 'a nested proc file', input: '/proc/16653/fd/3', want: { kind: 'proc', pid: 16653, tid: null, file: 'fd/3', text: '/proc/16653/fd/3' } },
    { name: 'a proc file of an exited task', input: '/proc/16653/cmdline (deleted)', want: { kind: 'path', text: '/proc/16653/cmdline (deleted)', deleted: true } },
    { name: 'a non-pid proc file', input: '/proc/meminfo', want: { kind: 'path', text: '/proc/meminfo', deleted: false } },
    { name: 'socket', input: 'socket:[12345]', want: { kind: 'socket', text: 'socket:[12345]' } },
    { name: 'pipe', input: 'pipe:[77]', want: { kind: 'pipe', text: 'pipe:[77]' } },
    { name: 'anon inode with brackets', input: 'anon_inode:[eventfd]', want: { kind: 'anon_inode', text: 'anon_inode:[eventfd]' } },
    { name: 'anon inode without brackets', input: 'anon_inode:bpf-map', want: { kind: 'anon_inode', text: 'anon_inode:bpf-map' } },
    { name: 'namespace', input: 'net:[4026531993]', want: { kind: 'other', text: 'net:[4026531993]' } },
    { name: 'deleted file', input: '/var/log/x (deleted)', want: { kind: 'path', text: '/var/log/x (deleted)', deleted: true } },
    { name: 'memfd', input: '/memfd:shm (deleted)', want: { kind: 'path', text: '/memfd:shm (deleted)', deleted: true } },
    { name: 'path with spaces', input: '/tmp/a b', want: { kind: 'path', text: '/tmp/a b', deleted: false } },
    { name: 'relative (fixture) path', input: '../../symlinktargets/abc', want: { kind: 'path', text: '../../symlinktargets/abc', deleted: false } },
    { name: 'device', input: '/dev/null', want: { kind: 'path', text: '/dev/null', deleted: false } },
  ];
  for (const c of cases) it(c.name, () => assert.deepStrictEqual(parseFdLink(c.input), c.want));
});
