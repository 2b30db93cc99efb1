import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseStack } from '../../src/parsers/stack.js';
import { builtinRulesDir } from '../../src/paths.js';
import { compileSchema } from '../../src/schemas.js';
import { compileSignature, loadSignatureCatalog } from '../../src/signatures/catalog.js';

const catalog = loadSignatureCatalog([join(builtinRulesDir, 'signatures')]);

function classify(stack: string): { id: string | null; decidedBy: string[] } {
  const c = catalog.classify(parseStack(stack, '/proc/1/stack'));
  return { id: c?.signature.id ?? null, decidedBy: c?.frames.map((f) => f.fn) ?? [] };
}

const cases: { name: string; stack: string; want: string | null; decidedBy?: string[] }[] = [
  {
    name: 'seed 2.6.32 cmdline reader (killall5, with the rwsem thunk)',
    stack: `[<ffffffff81264a14>] call_rwsem_down_read_failed+0x14/0x30
[<ffffffff81140fe2>] __access_remote_vm+0x42/0x1d0
[<ffffffff811411cb>] access_process_vm+0x5b/0x80
[<ffffffff811e32d0>] proc_pid_cmdline+0x90/0x110
[<ffffffff811e45ca>] proc_info_read+0xaa/0xf0
[<ffffffff8117ab39>] vfs_read+0xc9/0x1a0
[<ffffffff8117be45>] sys_read+0x55/0x90
[<ffffffff8100cf72>] system_call_fastpath+0x16/0x1b
[<ffffffffffffffff>] 0xffffffffffffffff
`,
    want: 'mmap-lock-proc-reader',
    decidedBy: ['call_rwsem_down_read_failed', '__access_remote_vm', 'proc_pid_cmdline'],
  },
  {
    name: 'seed 2.6.32 page fault on its own mmap_sem',
    stack: `[<ffffffff81264a14>] call_rwsem_down_read_failed+0x14/0x30
[<ffffffff814ed543>] do_page_fault+0x1f3/0x550
[<ffffffff814ea845>] page_fault+0x25/0x30
[<ffffffffffffffff>] 0xffffffffffffffff
`,
    want: 'mmap-lock-page-fault',
    decidedBy: ['call_rwsem_down_read_failed', 'do_page_fault'],
  },
  {
    name: '4.18 (RHEL 8) cmdline reader, lock frames hidden',
    stack: `[<0>] __access_remote_vm+0x6b/0x310
[<0>] proc_pid_cmdline_read+0x197/0x380
[<0>] vfs_read+0x91/0x140
[<0>] ksys_read+0x4f/0xb0
[<0>] do_syscall_64+0x5b/0x1b0
`,
    want: 'mmap-lock-proc-reader',
  },
  {
    name: '5.x page fault with do_user_addr_fault on top',
    stack: `[<0>] do_user_addr_fault+0x1d5/0x660
[<0>] exc_page_fault+0x6f/0x170
[<0>] asm_exc_page_fault+0x1e/0x30
`,
    want: 'mmap-lock-page-fault',
  },
  {
    name: '6.18 cmdline reader (observed in the lab)',
    stack: `[<0>] __access_remote_vm+0x4d/0x3b0
[<0>] proc_pid_cmdline_read+0x19c/0x4b0
[<0>] vfs_read+0xbb/0x3d0
[<0>] ksys_read+0x6f/0xf0
[<0>] do_syscall_64+0x71/0x180
[<0>] entry_SYSCALL_64_after_hwframe+0x76/0x7e
`,
    want: 'mmap-lock-proc-reader',
  },
  {
    name: '6.18 faulter falling back to lock_mm_and_find_vma (observed in the lab)',
    stack: `[<0>] lock_mm_and_find_vma+0x9e/0x580
[<0>] exc_page_fault+0x1d8/0x770
[<0>] asm_exc_page_fault+0x22/0x30
`,
    want: 'mmap-lock-page-fault',
  },
  {
    name: '6.18 queued mmap writer (observed in the lab)',
    stack: `[<0>] vm_mmap_pgoff+0xe9/0x210
[<0>] do_syscall_64+0x71/0x180
[<0>] entry_SYSCALL_64_after_hwframe+0x76/0x7e
`,
    want: 'mmap-lock-writer',
  },
  {
    name: '6.18 lock holder inside a fault under __access_remote_vm is not a waiter',
    stack: `[<0>] filemap_fault+0xac0/0x1700
[<0>] __do_fault+0x34/0xd0
[<0>] do_fault+0x319/0x570
[<0>] __handle_mm_fault+0x842/0xc80
[<0>] handle_mm_fault+0xd0/0x2d0
[<0>] __get_user_pages+0x1a3/0xdb0
[<0>] get_user_pages_remote+0xee/0x440
[<0>] __access_remote_vm+0xd9/0x3b0
[<0>] mem_rw+0x1c4/0x2d0
[<0>] vfs_read+0xbb/0x3d0
`,
    want: null,
  },
  {
    name: 'hung-task report of the holder: scheduler frames and io_schedule shown',
    stack: ` __schedule+0x3dc/0xf60
 schedule+0x23/0xa0
 io_schedule+0x3f/0x60
 filemap_fault+0xac0/0x1700
 __do_fault+0x34/0xd0
 __access_remote_vm+0xd9/0x3b0
`,
    want: null,
  },
  {
    name: 'hung-task report of a 6.x reader, rwsem slow path visible, unreliable frames ignored',
    stack: ` __schedule+0x3dc/0xf60
 schedule+0x23/0xa0
 ? update_load_avg+0x7e/0x7a0
 rwsem_down_read_slowpath+0x25b/0x4c0
 down_read_killable+0x4c/0xe0
 __access_remote_vm+0x4d/0x3b0
 proc_pid_cmdline_read+0x19c/0x4b0
 vfs_read+0xbb/0x3d0
`,
    want: 'mmap-lock-proc-reader',
  },
  {
    name: '6.18 vfork parent (observed in the lab)',
    stack: `[<0>] kernel_clone+0x1d3/0x400
[<0>] __do_sys_vfork+0x66/0x90
[<0>] do_syscall_64+0x71/0x180
[<0>] entry_SYSCALL_64_after_hwframe+0x76/0x7e
`,
    want: 'vfork-wait',
  },
  {
    name: '6.18 buffered read waiting for a page (observed in the lab)',
    stack: `[<0>] folio_wait_bit_common+0x167/0x370
[<0>] filemap_get_pages+0x751/0x770
[<0>] filemap_read+0x111/0x400
[<0>] vfs_read+0x2a4/0x3d0
[<0>] ksys_read+0x6f/0xf0
`,
    want: 'block-io-wait',
  },
  {
    name: '2.6 page-lock wait through sync_page',
    stack: `[<ffffffff8110c07d>] sync_page+0x3d/0x50
[<ffffffff814fe0ff>] __wait_on_bit_lock+0x5f/0xc0
[<ffffffff8110c017>] __lock_page+0x67/0x70
[<ffffffff8110d8d7>] filemap_fault+0x2c7/0x4b0
[<ffffffffffffffff>] 0xffffffffffffffff
`,
    want: 'block-io-wait',
  },
  { name: 'an empty stack (kernel threads, exited tasks)', stack: '', want: null },
  {
    name: 'a sleeping task in poll',
    stack: `[<0>] do_sys_poll+0x3f4/0x570
[<0>] __x64_sys_poll+0x37/0x130
`,
    want: null,
  },
];

describe('stack signatures', () => {
  for (const c of cases) {
    it(c.name, () => {
      const got = classify(c.stack);
      assert.equal(got.id, c.want);
      if (c.decidedBy) assert.deepEqual(got.decidedBy, c.decidedBy);
    });
  }

  it('every signature has a case here', () => {
    const covered = new Set(cases.map((c) => c.want));
    for (const s of catalog.signatures) assert.ok(covered.has(s.id), `${s.id} has no test case`);
  });
});

describe('frames with offsets', () => {
  const reader = `[<0>] __access_remote_vm+0x4d/0x3b0
[<0>] proc_pid_cmdline_read+0x19c/0x4b0
`;
  const holder = `[<0>] __access_remote_vm+0xd9/0x3b0
[<0>] mem_rw+0x1c4/0x2d0
`;
  const signature = compileSignature(
    { id: 'site-remote-lock-wait', wait_class: 'mmap_lock_read', title: 't', description: 'd', top: ['__access_remote_vm+0x4d'] },
    'site.yaml',
  );

  it('name+0xOFFSET matches that place in the function only', () => {
    assert.ok(signature.match(parseStack(reader, '/proc/1/stack')));
    assert.equal(signature.match(parseStack(holder, '/proc/1/stack')), null);
  });

  it('the schema accepts name+0xOFFSET and rejects other suffixes', () => {
    const validate = compileSchema('signature.schema.json');
    const spec = (frame: string) => ({ id: 'x', wait_class: 'other', title: 't', description: 'd', top: [frame] });
    assert.ok(validate(spec('__access_remote_vm+0x4d')));
    assert.equal(validate(spec('__access_remote_vm+77')), false);
  });
});
