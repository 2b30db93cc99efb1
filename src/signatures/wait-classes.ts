/**
 * The wait classes: a stable vocabulary every stack signature maps to (rules/signatures/*.yaml
 * `wait_class`), counted per class in the facts tasks.waitClass.<class>. A class is a promise to
 * rules and to readers of stored reports: names are never reused for another meaning.
 */
export const WAIT_CLASS_MEANING = {
  mmap_lock_read: 'Waiting to take a process\'s mmap lock (mmap_sem before 5.8) for read: page faults, and readers of another process\'s /proc/PID/cmdline, environ or mem. A queued writer makes every later reader wait.',
  mmap_lock_write: 'Waiting to take a process\'s mmap lock for write: mmap, munmap, mprotect, mremap, brk. While one waits, new readers queue behind it.',
  io_wait_block: 'Waiting for block I/O to complete on a page, buffer or request tag. The only D wait counted in /proc/stat procs_blocked and in iowait time.',
  page_lock: 'Waiting for a page lock another task holds while it reads, truncates, migrates or writes the page.',
  writeback_throttle: 'A writer put to sleep in balance_dirty_pages until dirty page cache is written back: the storage cannot keep up with the writes.',
  nfs: 'Waiting for an NFS server to answer an RPC (a hard mount waits for ever).',
  fuse: 'Waiting for a FUSE daemon to answer a request.',
  jbd2_journal: 'Waiting for the ext4/ext3 journal (jbd2): a commit to finish, or room in the running transaction.',
  xfs_log: 'Waiting for XFS log space or a log force.',
  mutex: 'Waiting for a kernel mutex held by another task.',
  rwsem_other: 'Waiting for a read-write semaphore other than the mmap lock (an inode lock, a superblock lock).',
  memory_reclaim: 'An allocation doing or throttled by direct reclaim: the host is short of free memory.',
  compaction: 'An allocation doing direct compaction to build contiguous high-order pages: memory is fragmented.',
  cgroup_freezer: 'Frozen by the legacy (v1) cgroup freezer: shown as D, but not counted in the load average, not in procs_blocked, and never reported by the hung-task detector. (The v2 freezer, cgroup.freeze, leaves tasks in S.)',
  vfork: 'A parent waiting for its vfork child to exec or exit.',
  fs_freeze: 'Writing to a frozen file system (fsfreeze, LVM or VM snapshots): waits until it is thawed.',
  other: 'A wait a signature names that fits no class above: completions, RCU grace periods, work-queue flushes, driver sleeps.',
} as const;

export type WaitClass = keyof typeof WAIT_CLASS_MEANING;

export const WAIT_CLASSES = Object.keys(WAIT_CLASS_MEANING) as WaitClass[];

/** Not a class a signature can name: D threads whose stack no signature matches, counted as tasks.waitClass.unclassified. */
export const UNCLASSIFIED_MEANING = 'A D thread whose stack no signature matches (or whose stack could not be read): add a signature for it.';
