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
    name: '6.x arm64 hung-task report: the context switch frame on top is skipped',
    stack: ` __switch_to+0xe8/0x170
 __schedule+0x30c/0x9a0
 schedule+0x58/0xf0
 schedule_preempt_disabled+0x18/0x30
 __mutex_lock.constprop.0+0x2d4/0x6a0
 __mutex_lock_slowpath+0x1c/0x30
 mutex_lock+0x50/0x60
 do_truncate+0x7c/0xe0
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
  // Cases per wait class and kernel era (2.6, 4.x/5.x, 6.x). Where a stack was published (mailing
  // lists, bug reports, forums) it is copied with its offsets, minus timestamps and some `?` frames;
  // the others are written from the source of that kernel. /proc/PID/stack skips every .sched.text
  // function on all three eras (schedule, io_schedule, mutex_lock, down_read, __wait_on_bit,
  // wait_for_completion...), except io_schedule on 4.11 to 5.2 and some rwsem slow paths on 5.x;
  // hung-task reports show them all.
  {
    name: '2.6.32 munmap queued for its mmap_sem (call_rwsem_down_write_failed over sys_munmap)',
    stack: `[<ffffffff81264a43>] call_rwsem_down_write_failed+0x13/0x20
[<ffffffff8114a4d8>] sys_munmap+0x48/0x80
[<ffffffff8100b0f2>] system_call_fastpath+0x16/0x1b
[<ffffffffffffffff>] 0xffffffffffffffff
`,
    want: 'mmap-lock-writer',
    decidedBy: ['call_rwsem_down_write_failed', 'sys_munmap'],
  },
  {
    name: '2.6.32 mmap queued for its mmap_sem (x86_64 sys_mmap took the lock itself before 2.6.33)',
    stack: `[<ffffffff81264a43>] call_rwsem_down_write_failed+0x13/0x20
[<ffffffff810147e9>] sys_mmap+0x89/0xd0
[<ffffffff8100b0f2>] system_call_fastpath+0x16/0x1b
[<ffffffffffffffff>] 0xffffffffffffffff
`,
    want: 'mmap-lock-writer',
  },
  {
    name: '4.x mprotect queued for mmap_sem behind a fault throttled in balance_dirty_pages (linux-mm, 2019)',
    stack: `[<0>] call_rwsem_down_write_failed_killable+0x13/0x20
[<0>] do_mprotect_pkey+0xa8/0x330
[<0>] SyS_mprotect+0xf/0x20
[<0>] do_syscall_64+0x5b/0x100
[<0>] entry_SYSCALL_64_after_hwframe+0x3d/0xa2
[<0>] 0xffffffffffffffff
`,
    want: 'mmap-lock-writer',
    decidedBy: ['call_rwsem_down_write_failed_killable', 'do_mprotect_pkey'],
  },
  {
    name: '5.15 mmap queued for mmap_lock: rwsem_down_write_slowpath shows in /proc on 5.3 to 5.17',
    stack: `[<0>] rwsem_down_write_slowpath+0x2ad/0x580
[<0>] vm_mmap_pgoff+0x8b/0x130
[<0>] ksys_mmap_pgoff+0x1a6/0x230
[<0>] __x64_sys_mmap+0x33/0x40
[<0>] do_syscall_64+0x5c/0xc0
[<0>] entry_SYSCALL_64_after_hwframe+0x44/0xae
`,
    want: 'mmap-lock-writer',
    decidedBy: ['rwsem_down_write_slowpath', 'vm_mmap_pgoff'],
  },
  {
    name: '2.6.3x dd oflag=dsync waiting for its page writeback (sync_page over wait_on_page_bit, from a D-state survey script)',
    stack: `[<ffffffff810b4805>] sync_page+0x35/0x60
[<ffffffff810b4c6c>] wait_on_page_bit+0x6c/0x80
[<ffffffff810b5c54>] wait_on_page_writeback_range+0xc4/0x140
[<ffffffff810b5dcf>] filemap_write_and_wait_range+0x6f/0x80
[<ffffffff811218ab>] vfs_fsync_range+0x8b/0xe0
[<ffffffff810b6aa6>] generic_file_aio_write+0x76/0xb0
[<ffffffff810fc963>] do_sync_write+0xe3/0x130
[<ffffffff810fcfae>] vfs_write+0xce/0x140
[<ffffffff810fd123>] sys_write+0x53/0xa0
`,
    want: 'block-io-wait',
    decidedBy: ['sync_page', 'wait_on_page_bit'],
  },
  {
    name: '5.x cifs fsync waiting for page writeback (wait_on_page_bit under wait_on_page_writeback)',
    stack: `[<0>] wait_on_page_bit+0x106/0x2e0
[<0>] wait_on_page_writeback+0x25/0xd0
[<0>] cifs_writepages+0x5ee/0xf60
[<0>] do_writepages+0x43/0xe0
[<0>] __filemap_fdatawrite_range+0xcd/0x110
[<0>] file_write_and_wait_range+0x40/0x90
[<0>] cifs_strict_fsync+0x35/0x470
[<0>] do_fsync+0x38/0x70
[<0>] __x64_sys_fsync+0x10/0x20
[<0>] do_syscall_64+0x33/0x40
[<0>] entry_SYSCALL_64_after_hwframe+0x67/0xd1
`,
    want: 'block-io-wait',
  },
  {
    name: '5.15 flusher waiting for a block-layer request tag (blk_mq_get_tag, xfstests on a loop device)',
    stack: `[<0>] blk_mq_get_tag+0x11c/0x280
[<0>] __blk_mq_alloc_request+0xce/0xf0
[<0>] blk_mq_submit_bio+0x139/0x5b0
[<0>] submit_bio_noacct+0x3ba/0x430
[<0>] iomap_submit_ioend+0x4b/0x70
[<0>] xfs_vm_writepages+0x86/0x170 [xfs]
[<0>] do_writepages+0xcc/0x200
[<0>] __writeback_single_inode+0x3d/0x300
[<0>] writeback_sb_inodes+0x207/0x4a0
[<0>] __writeback_inodes_wb+0x4c/0xe0
[<0>] wb_writeback+0x1da/0x2c0
[<0>] wb_workfn+0x2ad/0x4f0
[<0>] process_one_work+0x1e2/0x3d0
[<0>] worker_thread+0x53/0x3c0
[<0>] kthread+0x149/0x170
[<0>] ret_from_fork+0x1f/0x30
`,
    want: 'block-io-wait',
  },
  {
    name: '6.x hung-task report: a fault waiting in folio_wait_bit_common right under filemap_fault (its page being read) is block I/O, not a page-lock wait',
    stack: ` __schedule+0x335/0x1240
 ? __blk_flush_plug+0xf2/0x130
 schedule+0x4e/0xb0
 io_schedule+0x42/0x70
 folio_wait_bit_common+0x116/0x390
 ? filemap_alloc_folio+0xc0/0xc0
 filemap_fault+0xcf/0x980
 __do_fault+0x36/0x130
 do_fault+0x1da/0x440
 __handle_mm_fault+0x9cf/0xed0
 handle_mm_fault+0xae/0x280
 do_user_addr_fault+0x1c5/0x670
 exc_page_fault+0x70/0x170
 asm_exc_page_fault+0x22/0x30
`,
    want: 'block-io-wait',
    decidedBy: ['__schedule', 'schedule', 'io_schedule', 'folio_wait_bit_common'],
  },
  {
    name: '4.19.25 ls on ext4 over nbd waiting for a buffer page lock (io_schedule still shown: 4.11 to 4.19.60)',
    stack: `[<0>] io_schedule+0x1a/0x40
[<0>] __lock_page+0x105/0x150
[<0>] pagecache_get_page+0x199/0x2c0
[<0>] __getblk_gfp+0xef/0x290
[<0>] ext4_getblk+0x83/0x1a0
[<0>] ext4_bread+0x26/0xb0
[<0>] __ext4_read_dirblock+0x34/0x2c0
[<0>] htree_dirblock_to_tree+0x56/0x1c0
[<0>] ext4_htree_fill_tree+0xad/0x330
[<0>] ext4_readdir+0x6a3/0x980
[<0>] iterate_dir+0x9e/0x1a0
[<0>] ksys_getdents64+0xa0/0x130
[<0>] __x64_sys_getdents64+0x1e/0x30
[<0>] do_syscall_64+0x5e/0x110
[<0>] entry_SYSCALL_64_after_hwframe+0x44/0xa9
[<0>] 0xffffffffffffffff
`,
    want: 'page-lock-wait',
    decidedBy: ['io_schedule', '__lock_page'],
  },
  {
    name: '5.x cifs worker waiting for a page lock (__lock_page on top, io_schedule hidden again)',
    stack: `[<0>] __lock_page+0x147/0x3a0
[<0>] cifs_writev_requeue.cold+0x185/0x28e
[<0>] process_one_work+0x1df/0x3b0
[<0>] worker_thread+0x4a/0x3c0
[<0>] kthread+0x125/0x160
[<0>] ret_from_fork+0x22/0x30
`,
    want: 'page-lock-wait',
  },
  {
    name: '6.x ublk device removal waiting to lock a page in write_cache_pages (folio_wait_bit_common then __folio_lock is a page-lock wait)',
    stack: `[<0>] folio_wait_bit_common+0x136/0x330
[<0>] __folio_lock+0x17/0x30
[<0>] write_cache_pages+0x1cd/0x430
[<0>] blkdev_writepages+0x6f/0xb0
[<0>] do_writepages+0xcd/0x1f0
[<0>] filemap_fdatawrite_wbc+0x75/0xb0
[<0>] __filemap_fdatawrite_range+0x58/0x80
[<0>] filemap_write_and_wait_range+0x59/0xc0
[<0>] bdev_mark_dead+0x85/0xd0
[<0>] blk_report_disk_dead+0x87/0xf0
[<0>] del_gendisk+0x37f/0x3b0
[<0>] ublk_stop_dev+0x89/0x100 [ublk_drv]
`,
    want: 'page-lock-wait',
    decidedBy: ['folio_wait_bit_common', '__folio_lock'],
  },
  {
    name: '6.8 hung-task report: block device release waiting for a page lock in write_cache_pages',
    stack: ` __schedule+0x27c/0x6b0
 schedule+0x33/0x110
 io_schedule+0x46/0x80
 folio_wait_bit_common+0x136/0x330
 ? __pfx_wake_page_function+0x10/0x10
 __folio_lock+0x17/0x30
 write_cache_pages+0x1cd/0x430
 ? __pfx_blkdev_get_block+0x10/0x10
 blkdev_writepages+0x6f/0xb0
 do_writepages+0xcd/0x1f0
 filemap_fdatawrite_wbc+0x75/0xb0
 __filemap_fdatawrite_range+0x58/0x80
 filemap_write_and_wait_range+0x59/0xc0
 bdev_release+0x18e/0x240
 blkdev_release+0x15/0x30
 __fput+0xa0/0x2e0
`,
    want: 'page-lock-wait',
  },
  {
    name: '2.6.30 writer throttled in balance_dirty_pages, sleeping in congestion_wait (before the 2.6.3x rewrites)',
    stack: `[<ffffffff810c5f67>] congestion_wait+0x77/0x90
[<ffffffff810b8b58>] balance_dirty_pages+0x198/0x210
[<ffffffff810b8cd5>] balance_dirty_pages_ratelimited_nr+0x45/0x50
[<ffffffff810b1e4d>] generic_file_buffered_write+0x1dd/0x2a0
[<ffffffff810b2670>] __generic_file_aio_write_nolock+0x260/0x490
[<ffffffff810b2cf2>] generic_file_aio_write+0x72/0xe0
[<ffffffff8119a9a6>] ext3_file_write+0x26/0xc0
[<ffffffff810e9f41>] do_sync_write+0xf1/0x140
[<ffffffff810ea848>] vfs_write+0xb8/0x1a0
[<ffffffff810ea9e1>] sys_write+0x51/0x90
[<ffffffff8100c0c2>] system_call_fastpath+0x16/0x1b
[<ffffffffffffffff>] 0xffffffffffffffff
`,
    want: 'dirty-page-throttle',
    decidedBy: ['congestion_wait', 'balance_dirty_pages'],
  },
  {
    name: '3.2 hung-task report: tar throttled with balance_dirty_pages inlined into balance_dirty_pages_ratelimited_nr',
    stack: ` [<ffffffff8147acbe>] schedule_timeout+0xa7/0xde
 [<ffffffff8106015c>] ? del_timer+0x7a/0x7a
 [<ffffffff8147abc2>] io_schedule_timeout+0x6f/0x98
 [<ffffffff810ddc26>] balance_dirty_pages_ratelimited_nr+0x341/0x3b6
 [<ffffffff810d5efb>] generic_file_buffered_write+0x1dc/0x23a
 [<ffffffff810d6c9d>] __generic_file_aio_write+0x242/0x272
 [<ffffffff810d6d2e>] generic_file_aio_write+0x61/0xba
 [<ffffffff8118fe00>] ext4_file_write+0x1dc/0x234
 [<ffffffff8111edab>] do_sync_write+0xbf/0xff
 [<ffffffff8111f421>] vfs_write+0xac/0xf3
 [<ffffffff8111f610>] sys_write+0x4a/0x6e
 [<ffffffff81482642>] system_call_fastpath+0x16/0x1b
`,
    want: 'dirty-page-throttle',
  },
  {
    name: '4.x write fault on a shared mapping throttled in balance_dirty_pages while it holds mmap_sem (linux-mm, 2019)',
    stack: `[<0>] balance_dirty_pages+0x724/0x905
[<0>] balance_dirty_pages_ratelimited+0x254/0x390
[<0>] fault_dirty_shared_page.isra.96+0x4a/0x90
[<0>] do_wp_page+0x33e/0x400
[<0>] __handle_mm_fault+0x6f0/0xfa0
[<0>] handle_mm_fault+0xe4/0x200
[<0>] __do_page_fault+0x22b/0x4a0
[<0>] page_fault+0x45/0x50
[<0>] 0xffffffffffffffff
`,
    want: 'dirty-page-throttle',
  },
  {
    name: '5.15 xfs_io buffered pwrite throttled in balance_dirty_pages (xfstests on a loop device)',
    stack: `[<0>] balance_dirty_pages+0x332/0xda0
[<0>] balance_dirty_pages_ratelimited+0x304/0x400
[<0>] iomap_file_buffered_write+0x1ab/0x260
[<0>] xfs_file_buffered_write+0xba/0x330 [xfs]
[<0>] new_sync_write+0x119/0x1a0
[<0>] vfs_write+0x274/0x310
[<0>] __x64_sys_pwrite64+0x89/0xc0
[<0>] do_syscall_64+0x35/0x80
[<0>] entry_SYSCALL_64_after_hwframe+0x44/0xae
`,
    want: 'dirty-page-throttle',
  },
  {
    name: '6.x NFSv4 state manager waiting for a DELEGRETURN reply (linux-nfs, 2024)',
    stack: `[<0>] rpc_wait_bit_killable+0x1a/0x90
[<0>] _nfs4_proc_delegreturn+0x60f/0x760
[<0>] nfs4_proc_delegreturn+0x13d/0x2a0
[<0>] nfs_do_return_delegation+0xba/0x110
[<0>] nfs_end_delegation_return+0x32c/0x620
[<0>] nfs_complete_unlink+0xc7/0x290
[<0>] nfs_dentry_iput+0x36/0x50
[<0>] __dentry_kill+0xaa/0x250
[<0>] dput.part.0+0x26c/0x4d0
[<0>] __put_nfs_open_context+0x1d9/0x260
[<0>] nfs4_open_reclaim+0x77/0xa0
[<0>] nfs4_do_reclaim+0x385/0xf40
[<0>] nfs4_state_manager+0x762/0x14e0
[<0>] nfs4_run_state_manager+0x181/0x330
[<0>] kthread+0x1a7/0x1f0
[<0>] ret_from_fork+0x34/0x60
`,
    want: 'nfs-rpc-wait',
  },
  {
    name: '2.6.35 hung-task report: open() on a FUSE mount whose daemon does not answer (request_wait_answer)',
    stack: ` [<ffffffff812410c5>] request_wait_answer+0x85/0x240
 [<ffffffff8107f080>] ? autoremove_wake_function+0x0/0x40
 [<ffffffff812412fc>] fuse_request_send+0x7c/0x90
 [<ffffffff8124392a>] fuse_do_getattr+0x10a/0x2b0
 [<ffffffff814aacd5>] ? memcpy_toiovec+0x55/0x80
 [<ffffffff812457e5>] fuse_update_attributes+0x75/0x80
 [<ffffffff81245910>] fuse_permission+0xc0/0x200
 [<ffffffff8115ccd0>] exec_permission+0x30/0x90
 [<ffffffff8115fa39>] link_path_walk+0x89/0xab0
 [<ffffffff81161783>] do_filp_open+0x143/0x660
 [<ffffffff81151009>] do_sys_open+0x69/0x170
 [<ffffffff81151150>] sys_open+0x20/0x30
 [<ffffffff8100a0f2>] system_call_fastpath+0x16/0x1b
`,
    want: 'fuse-request-wait',
  },
  {
    name: '2.6 ext3 fsync waiting for the jbd commit (log_wait_commit, from a D-state survey script)',
    stack: `[<ffffffffa010f095>] log_wait_commit+0xb5/0x130 [jbd]
[<ffffffffa012acca>] ext3_sync_file+0xda/0xf0 [ext3]
[<ffffffff811218cb>] vfs_fsync_range+0xab/0xe0
[<ffffffff811219a6>] do_fsync+0x36/0x60
[<ffffffff811219fb>] sys_fsync+0xb/0x20
`,
    want: 'jbd2-journal-wait',
  },
  {
    name: '4.18 (RHEL 8) Lustre OST thread waiting for room in the running jbd2 transaction',
    stack: `[<0>] wait_transaction_locked+0x89/0xc0 [jbd2]
[<0>] add_transaction_credits+0xd4/0x290 [jbd2]
[<0>] start_this_handle+0x10a/0x520 [jbd2]
[<0>] jbd2__journal_start+0xea/0x1f0 [jbd2]
[<0>] __ldiskfs_journal_start_sb+0x6e/0x130 [ldiskfs]
[<0>] osd_trans_start+0x13b/0x4f0 [osd_ldiskfs]
[<0>] ofd_commitrw_write+0x620/0x1830 [ofd]
[<0>] ofd_commitrw+0x731/0xd80 [ofd]
`,
    want: 'jbd2-journal-wait',
  },
  {
    name: '2.6.32 XFS create waiting for log space (xlog_grant_log_space, xlog_grant_head_wait since 3.3)',
    stack: `[<ffffffffa02d7e95>] xlog_grant_log_space+0x1a5/0x4c0 [xfs]
[<ffffffffa02d82c5>] xfs_log_reserve+0xe5/0xf0 [xfs]
[<ffffffffa02e4b4a>] xfs_trans_reserve+0x9a/0x210 [xfs]
[<ffffffffa02eb8bd>] xfs_create+0x17d/0x5f0 [xfs]
[<ffffffffa02f7a2e>] xfs_vn_mknod+0xae/0x1c0 [xfs]
[<ffffffffa02f7b70>] xfs_vn_create+0x10/0x20 [xfs]
[<ffffffff81184d14>] vfs_create+0xb4/0xe0
[<ffffffff811887af>] do_filp_open+0xa6f/0xd20
[<ffffffff81174b39>] do_sys_open+0x69/0x140
[<ffffffff81174c50>] sys_open+0x20/0x30
[<ffffffff8100b0f2>] system_call_fastpath+0x16/0x1b
[<ffffffffffffffff>] 0xffffffffffffffff
`,
    want: 'xfs-log-wait',
  },
  {
    name: '2.6 (i386) sysrq-t dump: pdflush waiting for XFS log space in schedule_timeout',
    stack: ` [<c030a734>] schedule_timeout+0x94/0xa0
 [<f1a693ed>] xlog_grant_log_space+0x1dd/0x370 [xfs]
 [<f1a66e57>] xfs_log_reserve+0x77/0xb0 [xfs]
 [<f1a74b8c>] xfs_trans_reserve+0x7c/0x1a0 [xfs]
 [<f1a6457c>] xfs_iomap_write_allocate+0x10c/0x4d0 [xfs]
 [<f1a635de>] xfs_iomap+0x3be/0x470 [xfs]
`,
    want: 'xfs-log-wait',
    decidedBy: ['schedule_timeout', 'xlog_grant_log_space'],
  },
  {
    name: '6.13 mount with quotas on a norecovery XFS waiting for log space (xlog_grant_head_wait)',
    stack: `[<0>] xlog_grant_head_wait+0x5d/0x2a0 [xfs]
[<0>] xlog_grant_head_check+0x112/0x180 [xfs]
[<0>] xfs_log_reserve+0xe3/0x260 [xfs]
[<0>] xfs_trans_reserve+0x179/0x250 [xfs]
[<0>] xfs_trans_alloc+0x101/0x260 [xfs]
[<0>] xfs_sync_sb+0x3f/0x80 [xfs]
[<0>] xfs_qm_mount_quotas+0xe3/0x2f0 [xfs]
[<0>] xfs_mountfs+0x7ad/0xc20 [xfs]
[<0>] xfs_fs_fill_super+0x762/0xa50 [xfs]
[<0>] get_tree_bdev_flags+0x131/0x1d0
[<0>] vfs_get_tree+0x26/0xd0
[<0>] vfs_cmd_create+0x59/0xe0
[<0>] __do_sys_fsconfig+0x4e3/0x6b0
[<0>] do_syscall_64+0x82/0x160
[<0>] entry_SYSCALL_64_after_hwframe+0x76/0x7e
`,
    want: 'xfs-log-wait',
  },
  {
    name: '2.6.32 (RHEL 6) hung-task report: acpi_pad power_saving thread waiting for a mutex',
    stack: ` [<ffffffff814f0e6e>] __mutex_lock_slowpath+0x13e/0x180
 [<ffffffff814f0d0b>] mutex_lock+0x2b/0x50
 [<ffffffffa01830ef>] power_saving_thread+0xd4/0x353 [acpi_pad]
 [<ffffffffa018301b>] ? power_saving_thread+0x0/0x353 [acpi_pad]
 [<ffffffff810909b6>] kthread+0x96/0xa0
 [<ffffffff8100c0ca>] child_rip+0xa/0x20
 [<ffffffff81090920>] ? kthread+0x0/0xa0
 [<ffffffff8100c0c0>] ? child_rip+0x0/0x20
`,
    want: 'mutex-wait',
    decidedBy: ['__mutex_lock_slowpath'],
  },
  {
    name: '2.6.32 /proc stack of the same mutex waiter: mutex_lock is in .sched.text, so only the caller shows and nothing classifies it',
    stack: `[<ffffffffa01830ef>] power_saving_thread+0xd4/0x353 [acpi_pad]
[<ffffffff810909b6>] kthread+0x96/0xa0
[<ffffffff8100c0ca>] child_rip+0xa/0x20
[<ffffffffffffffff>] 0xffffffffffffffff
`,
    want: null,
  },
  {
    name: '4.x hung-task report: pciehp IRQ thread waiting for the PCI rescan mutex',
    stack: ` __schedule+0x2a2/0x880
 schedule+0x2c/0x80
 schedule_preempt_disabled+0xe/0x10
 __mutex_lock.isra.9+0x2e0/0x4d0
 ? __mutex_lock_slowpath+0x13/0x20
 __mutex_lock_slowpath+0x13/0x20
 mutex_lock+0x2c/0x30
 pci_lock_rescan_remove+0x15/0x20
 pciehp_unconfigure_device+0x4d/0x140
 pciehp_disable_slot+0x6a/0x110
 pciehp_handle_presence_or_link_change+0x263/0x400
 pciehp_ist+0x1c9/0x1d0
 irq_thread_fn+0x24/0x60
 irq_thread+0xeb/0x190
 kthread+0x120/0x140
 ret_from_fork+0x35/0x40
`,
    want: 'mutex-wait',
    decidedBy: ['__schedule', 'schedule', 'schedule_preempt_disabled', '__mutex_lock'],
  },
  {
    name: '4.14.15 mount waiting for shrinker_rwsem in register_shrinker (linux-mm, 2018)',
    stack: `[<ffffffffac7538d3>] call_rwsem_down_write_failed+0x13/0x20
[<ffffffffac1cb985>] register_shrinker+0x45/0xa0
[<ffffffffac250f68>] sget_userns+0x468/0x4a0
[<ffffffffac25106a>] mount_nodev+0x2a/0xa0
[<ffffffffac251be4>] mount_fs+0x34/0x150
[<ffffffffac2701f2>] vfs_kern_mount+0x62/0x120
[<ffffffffac272a0e>] do_mount+0x1ee/0xc50
[<ffffffffac27377e>] SyS_mount+0x7e/0xd0
[<ffffffffac003831>] do_syscall_64+0x61/0x1a0
[<ffffffffac80012c>] entry_SYSCALL64_slow_path+0x25/0x25
[<ffffffffffffffff>] 0xffffffffffffffff
`,
    want: 'rwsem-other-wait',
  },
  {
    name: '4.x sysrq-t dump (2019): ls waiting for the directory i_rwsem (the down_read_killable thunk of 4.19 to 5.1)',
    stack: ` ? __schedule+0x59d/0x5f1
 schedule+0x6a/0x85
 rwsem_down_read_failed_killable+0x17c/0x1d9
 ? _raw_spin_unlock+0x12/0x23
 call_rwsem_down_read_failed_killable+0x14/0x30
 down_read_killable+0x13/0x36
 iterate_dir+0x59/0x131
 ksys_getdents64+0x8f/0x104
 ? filldir+0xef/0xef
 __x64_sys_getdents64+0x16/0x19
 do_syscall_64+0x7e/0x133
 entry_SYSCALL_64_after_hwframe+0x44/0xa9
`,
    want: 'rwsem-other-wait',
    decidedBy: ['schedule', 'rwsem_down_read_failed_killable'],
  },
  {
    name: '5.x open(O_CREAT) waiting for the directory i_rwsem (rwsem_down_write_slowpath shows in /proc on 5.3 to 5.17)',
    stack: `[<0>] rwsem_down_write_slowpath+0x244/0x4d0
[<0>] do_last+0x2b1/0x900
[<0>] path_openat+0x8d/0x290
[<0>] do_filp_open+0x91/0x100
[<0>] do_sys_open+0x17e/0x290
[<0>] __x64_sys_openat+0x20/0x30
[<0>] do_syscall_64+0x57/0x190
[<0>] entry_SYSCALL_64_after_hwframe+0x44/0xa9
`,
    want: 'rwsem-other-wait',
  },
  {
    name: '6.14 hung-task report: a read waiting for the mapping invalidate_lock (rwsem_down_read_slowpath under page_cache_ra_unbounded)',
    stack: ` __schedule+0x2c9/0x7f0
 schedule+0x27/0xa0
 schedule_preempt_disabled+0x15/0x30
 rwsem_down_read_slowpath+0x278/0x4c0
 down_read+0x59/0xb0
 page_cache_ra_unbounded+0x65/0x1b0
 filemap_get_pages+0x124/0x3e0
 filemap_read+0x114/0x3d0
 vfs_read+0x297/0x360
 ksys_read+0x6c/0xe0
 do_syscall_64+0x4b/0x110
 entry_SYSCALL_64_after_hwframe+0x76/0x7e
`,
    want: 'rwsem-other-wait',
  },
  {
    name: '2.6.32 write allocating a page-cache page stalls in direct reclaim (congestion_wait in do_try_to_free_pages)',
    stack: `[<ffffffff8113ef2a>] congestion_wait+0x8a/0x100
[<ffffffff81131e71>] do_try_to_free_pages+0x241/0x4f0
[<ffffffff811322a9>] try_to_free_pages+0x99/0x120
[<ffffffff81127a6e>] __alloc_pages_nodemask+0x49e/0x8d0
[<ffffffff8115f4ea>] alloc_pages_current+0xaa/0x110
[<ffffffff81114b67>] __page_cache_alloc+0x87/0x90
[<ffffffff8111548c>] grab_cache_page_write_begin+0x7c/0xc0
[<ffffffffa00a4e6c>] ext4_da_write_begin+0x14c/0x280 [ext4]
[<ffffffff81114374>] generic_file_buffered_write+0x114/0x2a0
[<ffffffff81115d50>] __generic_file_aio_write+0x250/0x480
[<ffffffff81115fef>] generic_file_aio_write+0x6f/0xe0
[<ffffffffa009ed61>] ext4_file_write+0x61/0x1e0 [ext4]
[<ffffffff8117ad6a>] do_sync_write+0xfa/0x140
[<ffffffff8117b068>] vfs_write+0xb8/0x1a0
[<ffffffff8117ba81>] sys_write+0x51/0x90
[<ffffffff8100b0f2>] system_call_fastpath+0x16/0x1b
[<ffffffffffffffff>] 0xffffffffffffffff
`,
    want: 'direct-reclaim-wait',
    decidedBy: ['congestion_wait', 'do_try_to_free_pages'],
  },
  {
    name: '5.19 (Ubuntu 22.04 HWE) hung-task report: kcompactd waiting to lock a page it migrates',
    stack: ` __schedule+0x257/0x5d0
 schedule+0x68/0x110
 io_schedule+0x46/0x80
 folio_wait_bit_common+0x14c/0x3a0
 ? filemap_invalidate_unlock_two+0x50/0x50
 __folio_lock+0x17/0x30
 __unmap_and_move.constprop.0+0x39c/0x640
 ? free_unref_page+0xe3/0x190
 ? move_freelist_tail+0xe0/0xe0
 unmap_and_move+0x7d/0x4e0
 migrate_pages+0x3b8/0x770
 ? isolate_freepages+0x2f0/0x2f0
 compact_zone+0x2ca/0x620
 proactive_compact_node+0x8a/0xe0
 kcompactd+0x21c/0x4e0
 kthread+0xeb/0x120
`,
    want: 'compaction-wait',
    decidedBy: ['__schedule', 'schedule', 'io_schedule', 'folio_wait_bit_common', 'compact_zone'],
  },
  {
    name: '6.8 hung-task report: kcompactd waiting to lock a folio it migrates (migrate_pages_batch)',
    stack: ` __schedule+0x27c/0x6b0
 schedule+0x33/0x110
 io_schedule+0x46/0x80
 folio_wait_bit_common+0x136/0x330
 ? __pfx_wake_page_function+0x10/0x10
 __folio_lock+0x17/0x30
 migrate_pages_batch+0x5d4/0xb90
 ? __pfx_compaction_free+0x10/0x10
 ? __pfx_compaction_alloc+0x10/0x10
 migrate_pages+0xb8/0x5c0
 compact_zone+0x7a0/0x1120
 kcompactd_do_work+0x10c/0x2c0
 kcompactd+0x1d6/0x3f0
 kthread+0xf2/0x120
 ret_from_fork+0x47/0x70
 ret_from_fork_asm+0x1b/0x30
`,
    want: 'compaction-wait',
  },
  {
    name: '4.19 sleep in a frozen cgroup v1, its timer expired: freezable_schedule freezes it in __refrigerator under do_nanosleep',
    stack: `[<0>] __refrigerator+0x48/0x140
[<0>] do_nanosleep+0x126/0x170
[<0>] hrtimer_nanosleep+0xd8/0x1d0
[<0>] __x64_sys_nanosleep+0x8f/0xb0
[<0>] do_syscall_64+0x5b/0x1b0
[<0>] entry_SYSCALL_64_after_hwframe+0x44/0xa9
[<0>] 0xffffffffffffffff
`,
    want: 'cgroup-frozen',
  },
  {
    name: '2.6.32 (Ubuntu 10.04) hung-task report: cron waiting for its vfork child (uninterruptible before 3.7)',
    stack: ` [<ffffffff81154ed0>] ? filldir+0x0/0xe0
 [<ffffffff8153f9cd>] schedule_timeout+0x22d/0x300
 [<ffffffff8104b3c9>] ? sched_slice+0x59/0xa0
 [<ffffffff8153f5eb>] wait_for_common+0xdb/0x180
 [<ffffffff8105ccb0>] ? default_wake_function+0x0/0x20
 [<ffffffff8153f74d>] wait_for_completion+0x1d/0x20
 [<ffffffff81065870>] do_fork+0x150/0x440
 [<ffffffff8115ff30>] ? mntput_no_expire+0x30/0x110
 [<ffffffff8101a085>] sys_vfork+0x25/0x30
 [<ffffffff81012513>] stub_vfork+0x13/0x20
 [<ffffffff810121b2>] ? system_call_fastpath+0x16/0x1b
`,
    want: 'vfork-wait',
    decidedBy: ['schedule_timeout', 'wait_for_common', 'wait_for_completion', 'do_fork'],
  },
  {
    name: '2.6.32 /proc stack of a vfork parent: the completion is hidden, do_fork is on top',
    stack: `[<ffffffff81065870>] do_fork+0x150/0x440
[<ffffffff8101a085>] sys_vfork+0x25/0x30
[<ffffffff81012513>] stub_vfork+0x13/0x20
[<ffffffffffffffff>] 0xffffffffffffffff
`,
    want: 'vfork-wait',
  },
  {
    name: '4.19 vfork parent waiting for its child (_do_fork on top)',
    stack: `[<0>] _do_fork+0x1d1/0x3e0
[<0>] __x64_sys_vfork+0x2d/0x30
[<0>] do_syscall_64+0x5b/0x1b0
[<0>] entry_SYSCALL_64_after_hwframe+0x44/0xa9
[<0>] 0xffffffffffffffff
`,
    want: 'vfork-wait',
  },
  {
    name: '2.6.32 buffered write to a frozen ext4 (vfs_check_frozen, inlined at the start of __generic_file_aio_write)',
    stack: `[<ffffffff81115b4a>] __generic_file_aio_write+0x4a/0x480
[<ffffffff81115fef>] generic_file_aio_write+0x6f/0xe0
[<ffffffffa009ed61>] ext4_file_write+0x61/0x1e0 [ext4]
[<ffffffff8117ad6a>] do_sync_write+0xfa/0x140
[<ffffffff8117b068>] vfs_write+0xb8/0x1a0
[<ffffffff8117ba81>] sys_write+0x51/0x90
[<ffffffff8100b0f2>] system_call_fastpath+0x16/0x1b
[<ffffffffffffffff>] 0xffffffffffffffff
`,
    want: 'fs-freeze-wait',
  },
  {
    name: '2.6.32 (RHEL 6) hung-task report: acpi_pad waiting in kthread_stop (wait_for_completion)',
    stack: ` [<ffffffff814f0685>] schedule_timeout+0x215/0x2e0
 [<ffffffff81062c81>] ? __enqueue_rt_entity+0x2c1/0x300
 [<ffffffff814f0303>] wait_for_common+0x123/0x180
 [<ffffffff8105fa40>] ? default_wake_function+0x0/0x20
 [<ffffffff814f041d>] wait_for_completion+0x1d/0x20
 [<ffffffff81090a0b>] kthread_stop+0x4b/0xd0
 [<ffffffffa018342a>] acpi_pad_idle_cpus+0xbc/0xd6 [acpi_pad]
 [<ffffffffa018370c>] acpi_pad_handle_notify+0x96/0x196 [acpi_pad]
`,
    want: 'completion-wait',
    decidedBy: ['schedule_timeout', 'wait_for_common', 'wait_for_completion'],
  },
  {
    name: '2.6.38 /proc stack: memory cgroup rmdir waiting for an RCU-sched grace period (synchronize_sched on top)',
    stack: `[<ffffffff810d44f5>] synchronize_sched+0x55/0x60
[<ffffffff811526a3>] mem_cgroup_start_move+0x93/0xa0
[<ffffffff8115739b>] mem_cgroup_force_empty+0xdb/0x640
[<ffffffff81157914>] mem_cgroup_pre_destroy+0x14/0x20
[<ffffffff810ae681>] cgroup_rmdir+0xc1/0x560
[<ffffffff81167cc4>] vfs_rmdir+0xb4/0x110
[<ffffffff81169bd5>] do_rmdir+0x105/0x120
[<ffffffff81169c46>] sys_rmdir+0x16/0x20
[<ffffffff8100c002>] system_call_fastpath+0x16/0x1b
[<ffffffffffffffff>] 0xffffffffffffffff
`,
    want: 'completion-wait',
  },
  {
    name: '4.19.75 fsfreeze waiting for the XFS block-reaping work to finish (__flush_work)',
    stack: `[<0>] __flush_work+0x177/0x1b0
[<0>] __cancel_work_timer+0x12b/0x1b0
[<0>] xfs_stop_block_reaping+0x15/0x30 [xfs]
[<0>] xfs_fs_freeze+0x15/0x40 [xfs]
[<0>] freeze_super+0xc8/0x190
[<0>] do_vfs_ioctl+0x510/0x630
[<0>] ksys_ioctl+0x70/0x80
[<0>] __x64_sys_ioctl+0x16/0x20
[<0>] do_syscall_64+0x4e/0x100
[<0>] entry_SYSCALL_64_after_hwframe+0x44/0xa9
`,
    want: 'completion-wait',
  },
  {
    name: '5.x md suspend waiting for an RCU grace period (__wait_rcu_gp under synchronize_rcu, linux-raid 2020)',
    stack: `[<0>] __wait_rcu_gp+0x10d/0x110
[<0>] synchronize_rcu+0x47/0x50
[<0>] mddev_suspend+0x4a/0x140
[<0>] suspend_lo_store+0x50/0xa0
[<0>] md_attr_store+0x86/0xe0
[<0>] kernfs_fop_write+0xce/0x1b0
[<0>] vfs_write+0xb6/0x1a0
[<0>] ksys_write+0x4f/0xc0
[<0>] do_syscall_64+0x5b/0xf0
[<0>] entry_SYSCALL_64_after_hwframe+0x44/0xa9
`,
    want: 'completion-wait',
  },
  {
    name: '6.x nvme controller removal waiting for its scan work (__flush_work under flush_work)',
    stack: `[<0>] __flush_work+0x14c/0x280
[<0>] flush_work+0x14/0x20
[<0>] nvme_remove_namespaces+0x45/0x100
[<0>] nvme_do_delete_ctrl+0x79/0xa0
[<0>] nvme_sysfs_delete+0x6b/0x80
[<0>] dev_attr_store+0x18/0x30
[<0>] sysfs_kf_write+0x3f/0x50
[<0>] kernfs_fop_write_iter+0x141/0x1d0
[<0>] vfs_write+0x25b/0x3d0
[<0>] ksys_write+0x6b/0xf0
[<0>] __x64_sys_write+0x1e/0x30
[<0>] do_syscall_64+0x5d/0x90
[<0>] entry_SYSCALL_64_after_hwframe+0x72/0xdc
`,
    want: 'completion-wait',
  },
  { name: 'an empty stack (kernel threads, exited tasks)', stack: '', want: null },
  {
    // Signatures are matched only against D threads; in S this is an ordinary poll sleep.
    name: 'a poll sleep names frozen-in-sleep: a D task with this stack is frozen in place (6.1+)',
    stack: `[<0>] do_sys_poll+0x3f4/0x570
[<0>] __x64_sys_poll+0x37/0x130
`,
    want: 'frozen-in-sleep',
  },
  {
    name: '6.18 frozen sleeper (observed in the lab, freezer-d): D at hrtimer_nanosleep, no freezer frame',
    stack: `[<0>] hrtimer_nanosleep+0xb5/0x130
[<0>] common_nsleep+0x30/0x60
[<0>] __x64_sys_clock_nanosleep+0xde/0x150
[<0>] do_syscall_64+0x71/0x180
[<0>] entry_SYSCALL_64_after_hwframe+0x76/0x7e
`,
    want: 'frozen-in-sleep',
  },
  {
    name: 'a D wait no signature names (a block queue being frozen) stays unclassified',
    stack: `[<0>] blk_mq_freeze_queue_wait+0x62/0x90
[<0>] loop_set_status+0x1d3/0x2c0 [loop]
[<0>] lo_ioctl+0x3c4/0x7f0 [loop]
[<0>] blkdev_ioctl+0x125/0x2a0
[<0>] __x64_sys_ioctl+0x95/0xd0
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
