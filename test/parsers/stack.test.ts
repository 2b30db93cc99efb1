import { parseStack, type StackFrame } from '../../src/parsers/stack.js';
import { table } from './table.js';

// The corpus has no stack files (its README lists /proc/PID/stack under "Not covered"), so these
// cases, from kernel sources and real hung-task reports, are the only checks.

type Parts = Partial<StackFrame> & Pick<StackFrame, 'fn' | 'offset' | 'size'>;
const frame = (line: number, text: string, parts: Parts): StackFrame => ({
  rawFn: parts.fn, module: null, unreliable: false, ...parts, line, text,
});

table('parseStack: tricky inputs', [
  {
    name: 'doc sample',
    input: '[<0>] nfs_wait_bit_killable+0x24/0x40 [nfs]\n[<ffffffff81264a14>] call_rwsem_down_read_failed+0x14/0x30\n ? do_sigtimedwait.isra.0+0x156/0x1f0\n',
    want: [
      frame(1, '[<0>] nfs_wait_bit_killable+0x24/0x40 [nfs]', { fn: 'nfs_wait_bit_killable', offset: 0x24, size: 0x40, module: 'nfs' }),
      frame(2, '[<ffffffff81264a14>] call_rwsem_down_read_failed+0x14/0x30', { fn: 'call_rwsem_down_read_failed', offset: 20, size: 48 }),
      frame(3, '? do_sigtimedwait.isra.0+0x156/0x1f0', { fn: 'do_sigtimedwait', rawFn: 'do_sigtimedwait.isra.0', offset: 342, size: 496, unreliable: true }),
    ],
  },
  { name: 'empty file (running task, or kernel without CONFIG_STACKTRACE output)', input: '', want: [] },
  { name: 'only a newline', input: '\n', want: [] },
  {
    name: 'hidden address "[<0>]"',
    input: '[<0>] __access_remote_vm+0x4d/0x3b0\n',
    want: [frame(1, '[<0>] __access_remote_vm+0x4d/0x3b0', { fn: '__access_remote_vm', offset: 0x4d, size: 0x3b0 })],
  },
  {
    name: '2.6 kernels: the ULONG_MAX end marker is dropped',
    input: '[<ffffffff81264a14>] call_rwsem_down_read_failed+0x14/0x30\n[<ffffffff8100b072>] system_call_fastpath+0x16/0x1b\n[<ffffffffffffffff>] 0xffffffffffffffff\n',
    want: [
      frame(1, '[<ffffffff81264a14>] call_rwsem_down_read_failed+0x14/0x30', { fn: 'call_rwsem_down_read_failed', offset: 0x14, size: 0x30 }),
      frame(2, '[<ffffffff8100b072>] system_call_fastpath+0x16/0x1b', { fn: 'system_call_fastpath', offset: 0x16, size: 0x1b }),
    ],
  },
  { name: '32-bit end marker is dropped', input: '[<ffffffff>] 0xffffffff\n', want: [] },
  {
    name: 'unresolved address: kept, named by its address',
    input: '[<0>] 0xffffffffc0a1b2c3\n',
    want: [frame(1, '[<0>] 0xffffffffc0a1b2c3', { fn: '0xffffffffc0a1b2c3', offset: null, size: null })],
  },
  {
    name: 'hung-task log frames: unreliable "?" and plain',
    input: ' ? filemap_fault+0xac0/0x1700\n __schedule+0x3dc/0xf60\n',
    want: [
      frame(1, '? filemap_fault+0xac0/0x1700', { fn: 'filemap_fault', offset: 0xac0, size: 0x1700, unreliable: true }),
      frame(2, '__schedule+0x3dc/0xf60', { fn: '__schedule', offset: 0x3dc, size: 0xf60 }),
    ],
  },
  {
    name: 'old log format: address, then "?"',
    input: '[<ffffffff8100b072>] ? system_call_fastpath+0x16/0x1b',
    want: [frame(1, '[<ffffffff8100b072>] ? system_call_fastpath+0x16/0x1b', { fn: 'system_call_fastpath', offset: 0x16, size: 0x1b, unreliable: true })],
  },
  {
    name: 'module frame',
    input: 'nfs_wait_bit_killable+0x24/0x40 [nfs]\n',
    want: [frame(1, 'nfs_wait_bit_killable+0x24/0x40 [nfs]', { fn: 'nfs_wait_bit_killable', offset: 0x24, size: 0x40, module: 'nfs' })],
  },
  {
    name: 'module frame with a build ID',
    input: '[<0>] nfs_wait_bit_killable+0x24/0x40 [nfs 4a5d2a9c0e1f]\n',
    want: [frame(1, '[<0>] nfs_wait_bit_killable+0x24/0x40 [nfs 4a5d2a9c0e1f]', { fn: 'nfs_wait_bit_killable', offset: 0x24, size: 0x40, module: 'nfs' })],
  },
  {
    name: 'compiler suffixes are dropped from fn',
    input: 'do_sigtimedwait.isra.0+0x156/0x1f0\nfoo.constprop.0.cold+0x5/0x9\nbar.part.3+0x1/0x2\nbaz.cold+0x1/0x2\nqux.llvm.1234+0x1/0x2\n',
    want: [
      frame(1, 'do_sigtimedwait.isra.0+0x156/0x1f0', { fn: 'do_sigtimedwait', rawFn: 'do_sigtimedwait.isra.0', offset: 0x156, size: 0x1f0 }),
      frame(2, 'foo.constprop.0.cold+0x5/0x9', { fn: 'foo', rawFn: 'foo.constprop.0.cold', offset: 5, size: 9 }),
      frame(3, 'bar.part.3+0x1/0x2', { fn: 'bar', rawFn: 'bar.part.3', offset: 1, size: 2 }),
      frame(4, 'baz.cold+0x1/0x2', { fn: 'baz', rawFn: 'baz.cold', offset: 1, size: 2 }),
      frame(5, 'qux.llvm.1234+0x1/0x2', { fn: 'qux', rawFn: 'qux.llvm.1234', offset: 1, size: 2 }),
    ],
  },
  {
    name: 'ppc64 ELFv1 dot symbol',
    input: '[<0>] .schedule+0x4c/0x90\n',
    want: [frame(1, '[<0>] .schedule+0x4c/0x90', { fn: 'schedule', rawFn: '.schedule', offset: 0x4c, size: 0x90 })],
  },
  {
    name: 'offset without size',
    input: 'schedule+0x4c\n',
    want: [frame(1, 'schedule+0x4c', { fn: 'schedule', offset: 0x4c, size: null })],
  },
  {
    name: 'blank lines are skipped but counted; no final newline',
    input: '\n[<0>] a+0x1/0x2\n\n[<0>] b+0x3/0x4',
    want: [frame(2, '[<0>] a+0x1/0x2', { fn: 'a', offset: 1, size: 2 }), frame(4, '[<0>] b+0x3/0x4', { fn: 'b', offset: 3, size: 4 })],
  },
  { name: 'a bare word is not a frame', input: '[<0>] a+0x1/0x2\ngarbage\n', wantError: '/proc/1/stack:2: not a stack frame: "garbage"' },
  { name: 'log header line', input: 'Call Trace:\n', wantError: '/proc/1/stack:1: not a stack frame: "Call Trace:"' },
  { name: 'log marker line', input: '<TASK>\n', wantError: '/proc/1/stack:1: not a stack frame: "<TASK>"' },
  { name: 'truncated: address only', input: '[<0>]\n', wantError: '/proc/1/stack:1: not a stack frame: "[<0>]"' },
  { name: 'truncated: unclosed address', input: '[<ffffffff8126', wantError: '/proc/1/stack:1: not a stack frame: "[<ffffffff8126"' },
  { name: 'truncated: offset cut', input: '[<0>] schedule+0x', wantError: '/proc/1/stack:1: not a stack frame: "[<0>] schedule+0x"' },
  { name: 'truncated: size cut', input: '[<0>] schedule+0x4c/', wantError: '/proc/1/stack:1: not a stack frame: "[<0>] schedule+0x4c/"' },
  { name: 'decimal offset', input: 'schedule+14/30\n', wantError: '/proc/1/stack:1: not a stack frame: "schedule+14/30"' },
  { name: 'address not hex', input: '[<zz>] schedule+0x1/0x2\n', wantError: '/proc/1/stack:1: not a stack frame: "[<zz>] schedule+0x1/0x2"' },
  { name: 'module without brackets', input: 'schedule+0x1/0x2 nfs\n', wantError: '/proc/1/stack:1: not a stack frame: "schedule+0x1/0x2 nfs"' },
  { name: 'no function before the offset', input: '[<0>] +0x1/0x2\n', wantError: '/proc/1/stack:1: not a stack frame: "[<0>] +0x1/0x2"' },
], (input) => parseStack(input, '/proc/1/stack'));
