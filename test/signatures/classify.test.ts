import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseStack } from '../../src/parsers/stack.js';
import { builtinRulesDir } from '../../src/paths.js';
import { compileSchema } from '../../src/schemas.js';
import { WAIT_CLASSES } from '../../src/facts/tasks.js';
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
    name: '6.18 lock holder inside a fault under __access_remote_vm waits for I/O, not for the lock',
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
    want: 'block-io-wait',
  },
  {
    name: 'hung-task report of the holder: scheduler frames shown, still an I/O wait',
    stack: ` __schedule+0x3dc/0xf60
 schedule+0x23/0xa0
 io_schedule+0x3f/0x60
 filemap_fault+0xac0/0x1700
 __do_fault+0x34/0xd0
 __access_remote_vm+0xd9/0x3b0
`,
    want: 'block-io-wait',
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
    // /proc/PID/stack skips .sched.text (save_stack_trace_tsk with in_sched_functions, as on 6.x), so
    // __wait_on_bit_lock and io_schedule never show here; a hung-task report shows them.
    name: '2.6 page-lock wait through sync_page',
    stack: `[<ffffffff8110c07d>] sync_page+0x3d/0x50
[<ffffffff8110c017>] __lock_page+0x67/0x70
[<ffffffff8110d8d7>] filemap_fault+0x2c7/0x4b0
[<ffffffffffffffff>] 0xffffffffffffffff
`,
    want: 'page-lock-wait',
    decidedBy: ['sync_page', '__lock_page'],
  },
  {
    name: '6.18 frozen spinner (observed in the lab, freezer-d)',
    stack: `[<0>] __refrigerator+0xac/0xd0
[<0>] get_signal+0x604/0x8a0
[<0>] arch_do_signal_or_restart+0x71/0x2a0
[<0>] irqentry_exit_to_user_mode+0x13d/0x1b0
`,
    want: 'cgroup-frozen',
  },
  {
    name: '2.6 frozen task in refrigerator',
    stack: `[<ffffffff810a1d3d>] refrigerator+0x8d/0xe0
[<ffffffff8108c5e5>] get_signal_to_deliver+0x3b5/0x420
[<ffffffff8100a325>] do_signal+0x75/0x800
[<ffffffffffffffff>] 0xffffffffffffffff
`,
    want: 'cgroup-frozen',
  },
  {
    name: '6.18 O_DIRECT FUSE reader (observed in the lab, fuse-read-d)',
    stack: `[<0>] request_wait_answer+0x16a/0x290
[<0>] __fuse_simple_request+0x120/0x330
[<0>] fuse_direct_io+0x674/0xa60
[<0>] fuse_direct_IO+0x2bc/0x440
[<0>] generic_file_read_iter+0x8d/0x160
[<0>] vfs_read+0x2a4/0x3d0
`,
    want: 'fuse-request-wait',
  },
  {
    name: '4.x hung-task report of a FUSE request',
    stack: ` __schedule+0x2a8/0x880
 schedule+0x36/0x80
 request_wait_answer+0xa9/0x220 [fuse]
 __fuse_request_send+0x8d/0xb0 [fuse]
 fuse_simple_request+0xcf/0x1a0 [fuse]
`,
    want: 'fuse-request-wait',
  },
  {
    name: '5.x NFS read waiting for the server',
    stack: `[<0>] rpc_wait_bit_killable+0x1e/0xa0 [sunrpc]
[<0>] __rpc_execute+0x13a/0x430 [sunrpc]
[<0>] rpc_run_task+0x15c/0x180 [sunrpc]
[<0>] nfs4_call_sync_sequence+0x6a/0xa0 [nfsv4]
`,
    want: 'nfs-rpc-wait',
  },
  {
    name: '2.6 NFS page wait',
    // out_of_line_wait_on_bit and __wait_on_bit are __sched: /proc/PID/stack does not show them.
    stack: `[<ffffffffa0357bcd>] nfs_wait_bit_killable+0x3d/0x90 [nfs]
[<ffffffffa036553c>] nfs_wait_on_request+0x2c/0x40 [nfs]
[<ffffffffffffffff>] 0xffffffffffffffff
`,
    want: 'nfs-rpc-wait',
  },
  {
    name: '6.x fsync waiting for the ext4 journal',
    stack: `[<0>] jbd2_log_wait_commit+0xa5/0x110
[<0>] ext4_sync_file+0x1c6/0x380
[<0>] __x64_sys_fsync+0x3b/0x70
`,
    want: 'jbd2-journal-wait',
  },
  {
    name: '2.6 jbd2 commit thread waiting for its buffers is a journal wait (the longer match wins over plain buffer I/O)',
    stack: `[<ffffffff811a6a4e>] sync_buffer+0x3e/0x50
[<ffffffff811a6e36>] __wait_on_buffer+0x26/0x30
[<ffffffffa00a2b7a>] jbd2_journal_commit_transaction+0x11ba/0x1500 [jbd2]
[<ffffffffffffffff>] 0xffffffffffffffff
`,
    want: 'jbd2-journal-wait',
  },
  {
    name: '5.x XFS transaction waiting for log space',
    stack: `[<0>] xlog_grant_head_wait+0xb9/0x210 [xfs]
[<0>] xlog_grant_head_check+0xf1/0x110 [xfs]
[<0>] xfs_log_reserve+0xc3/0x1d0 [xfs]
[<0>] xfs_trans_reserve+0x16e/0x1f0 [xfs]
`,
    want: 'xfs-log-wait',
  },
  {
    name: 'hung-task report of a mutex waiter',
    stack: ` __schedule+0x3dc/0xf60
 schedule+0x23/0xa0
 schedule_preempt_disabled+0x15/0x30
 __mutex_lock.constprop.0+0x3d5/0x740
 do_truncate+0x7a/0xd0
`,
    want: 'mutex-wait',
  },
  {
    name: '2.6 rwsem waiter that is not an mmap lock (an XFS inode lock)',
    stack: `[<ffffffff81264a43>] call_rwsem_down_write_failed+0x13/0x20
[<ffffffffa02a1c5d>] xfs_ilock+0x9d/0xf0 [xfs]
[<ffffffffa02c20f5>] xfs_file_aio_write+0x145/0x270 [xfs]
[<ffffffffffffffff>] 0xffffffffffffffff
`,
    want: 'rwsem-other-wait',
  },
  {
    name: '6.x writer throttled by dirty-page balancing (the I/O storm tree)',
    stack: `[<0>] balance_dirty_pages+0x2f4/0xe60
[<0>] balance_dirty_pages_ratelimited_flags+0x2d8/0x3c0
[<0>] generic_perform_write+0x14d/0x270
`,
    want: 'dirty-page-throttle',
  },
  {
    name: '5.x direct reclaim waiting for writeback of a page it wants to free',
    stack: `[<0>] wait_on_page_writeback+0x4a/0x60
[<0>] shrink_page_list+0x9e8/0xdd0
[<0>] shrink_inactive_list+0x1a5/0x460
[<0>] shrink_node+0x1d7/0x640
[<0>] do_try_to_free_pages+0xc7/0x370
[<0>] try_to_free_pages+0xee/0x1c0
[<0>] __alloc_pages_slowpath+0x3ec/0xdc0
`,
    want: 'direct-reclaim-wait',
  },
  {
    name: '6.x direct reclaim throttled',
    stack: `[<0>] reclaim_throttle+0x1b3/0x2b0
[<0>] do_try_to_free_pages+0x27c/0x310
[<0>] try_to_free_pages+0xb7/0x1b0
`,
    want: 'direct-reclaim-wait',
  },
  {
    name: '2.6 compaction waiting on a locked page (not plain I/O)',
    stack: `[<ffffffff8110c07d>] sync_page+0x3d/0x50
[<ffffffff8110c017>] __lock_page+0x67/0x70
[<ffffffff8116bb5e>] migrate_pages+0x52e/0x5a0
[<ffffffff8116115c>] compact_zone+0x36c/0x6d0
[<ffffffff811615f9>] compact_zone_order+0xa9/0xf0
[<ffffffff81161741>] try_to_compact_pages+0x101/0x130
[<ffffffffffffffff>] 0xffffffffffffffff
`,
    want: 'compaction-wait',
    decidedBy: ['sync_page', '__lock_page', 'compact_zone'],
  },
  {
    name: '4.x write to a frozen file system',
    stack: `[<0>] __sb_start_write+0x9c/0x130
[<0>] vfs_write+0x15c/0x1b0
[<0>] ksys_write+0x57/0xd0
`,
    want: 'fs-freeze-wait',
  },
  {
    name: '6.x write to a frozen file system (percpu rwsem hidden or shown)',
    stack: ` percpu_rwsem_wait+0xb5/0x150
 __percpu_down_read+0x57/0x80
 mnt_want_write+0x99/0xb0
 do_renameat2+0x1e0/0x5b0
`,
    want: 'fs-freeze-wait',
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

/** The kernel era a case's name starts with; hung-task reports count as 6.x-era evidence (they show the frames 6.x stacks hide). */
function eraOf(name: string): string {
  if (/^(seed )?2\.6/.test(name)) return '2.6';
  if (/^(4\.|5\.)/.test(name)) return '4.x/5.x';
  if (/^(6\.|hung-task)/.test(name)) return '6.x';
  return 'unknown';
}

describe('stack signatures', () => {
  for (const c of cases) {
    it(c.name, () => {
      const got = classify(c.stack);
      assert.equal(got.id, c.want);
      if (c.decidedBy) assert.deepEqual(got.decidedBy, c.decidedBy);
    });
  }

  it('every wait class is recognised from a 2.6 stack, a 4.x/5.x stack and a 6.x stack or hung-task report', () => {
    const missing: string[] = [];
    for (const cls of WAIT_CLASSES) {
      const eras = new Set(cases.filter((c) => c.want !== null && catalog.byId(c.want)?.wait_class === cls).map((c) => eraOf(c.name)));
      for (const era of ['2.6', '4.x/5.x', '6.x']) if (!eras.has(era)) missing.push(`${cls} ${era}`);
    }
    assert.deepEqual(missing, []);
  });

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
