import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadRuleBase } from '../../src/diagnose.js';
import type { FactMap } from '../../src/facts/fact.js';
import { hungTaskReports, kernelLogFacts, oomKills } from '../../src/facts/kernel-log.js';
import { parseKernelLog } from '../../src/parsers/kernel-log.js';
import { schemasDir } from '../../src/paths.js';
import { emptySnapshot, type KernelLogCapture } from '../../src/snapshot/snapshot.js';

const { catalog } = loadRuleBase([], '/nonexistent-site-rules');
const KMSG_FACTS = Object.keys(
  (JSON.parse(readFileSync(join(schemasDir, 'facts.schema.json'), 'utf8')) as { properties: { facts: { properties: Record<string, unknown> } } }).properties.facts.properties,
)
  .filter((name) => name.startsWith('kmsg.'))
  .sort();

/** RHEL 6 (2.6.32-279), dmesg as it prints there: no times, raw stack words, frames indented, "?" after the address. */
const RHEL6 = `INFO: task ps:316 blocked for more than 120 seconds.
"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.
ps            D 0000000000000002     0   316  30021 0x00000080
 ffff8801f3b4bd68 0000000000000086 0000000000000000 ffff8801f3b4bd10
 ffffffff81060a13 ffff8801f3b4bd28 ffff8801f3b4bcd8 ffffffff8100bb8e
Call Trace:
 [<ffffffff814ee1f5>] rwsem_down_failed_common+0x95/0x1d0
 [<ffffffff814ee353>] rwsem_down_read_failed+0x23/0x30
 [<ffffffff81264a14>] call_rwsem_down_read_failed+0x14/0x30
 [<ffffffff814ed804>] ? down_read+0x24/0x30
 [<ffffffff81140fe2>] __access_remote_vm+0x42/0x1d0
 [<ffffffff811411cb>] access_process_vm+0x5b/0x80
 [<ffffffff811e32d0>] proc_pid_cmdline+0x90/0x110
 [<ffffffff811e45ca>] proc_info_read+0xaa/0xf0
 [<ffffffff8117ab39>] vfs_read+0xc9/0x1a0
 [<ffffffff8117be45>] sys_read+0x55/0x90
 [<ffffffff8100cf72>] system_call_fastpath+0x16/0x1b
INFO: task java:16660 blocked for more than 120 seconds.
"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.
java          D 0000000000000005     0 16660      1 0x00000080
 ffff8804b5cd5d48 0000000000000082 0000000000000000 ffff8804b5cd5d10
Call Trace:
 [<ffffffff814ee1f5>] rwsem_down_failed_common+0x95/0x1d0
 [<ffffffff814ee353>] rwsem_down_read_failed+0x23/0x30
 [<ffffffff81264a14>] call_rwsem_down_read_failed+0x14/0x30
 [<ffffffff814ed543>] do_page_fault+0x1f3/0x550
 [<ffffffff814ea845>] page_fault+0x25/0x30
java invoked oom-killer: gfp_mask=0x201da, order=0, oom_adj=0, oom_score_adj=0
Pid: 16653, comm: java Not tainted 2.6.32-279.el6.x86_64 #1
Call Trace:
 [<ffffffff810c4971>] ? cpuset_print_task_mems_allowed+0x91/0xb0
[  316]     0   316     2345      123   3       0             0 ps
Out of memory: Kill process 16653 (java) score 951 or sacrifice child
Killed process 16653, UID 500, (java) total-vm:12345678kB, anon-rss:9876543kB, file-rss:1234kB
`;

/** RHEL 8 (4.18) dmesg: times, the old task line, "?" frames, no <TASK> markers; a 4.x memcg OOM kill of a child. */
const RHEL8 = `[ 3000.100000] INFO: task jbd2/dm-0-8:512 blocked for more than 120 seconds.
[ 3000.100010]       Not tainted 4.18.0-348.el8.x86_64 #1
[ 3000.100020] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.
[ 3000.100030] jbd2/dm-0-8     D    0   512      2 0x80004000
[ 3000.100040] Call Trace:
[ 3000.100050]  __schedule+0x2c4/0x700
[ 3000.100060]  ? bit_wait+0x60/0x60
[ 3000.100070]  schedule+0x38/0xa0
[ 3000.100080]  io_schedule+0x12/0x40
[ 3000.100090]  bit_wait_io+0xd/0x50
[ 3000.100100]  __wait_on_bit+0x6c/0x80
[ 3000.100110]  out_of_line_wait_on_bit+0x91/0xb0
[ 3000.100120]  jbd2_journal_commit_transaction+0x14b1/0x19b0 [jbd2]
[ 3000.100130]  kjournald2+0xbd/0x270 [jbd2]
[ 3000.100140]  kthread+0x116/0x130
[ 3000.100150]  ret_from_fork+0x35/0x40
[ 3100.000000] Task in /kubepods/burstable/pod1234/abc killed as a result of limit of /kubepods/burstable/pod1234
[ 3100.000010] memory: usage 524288kB, limit 524288kB, failcnt 1234
[ 3100.000020] Memory cgroup out of memory: Kill process 4321 (node) score 1000 or sacrifice child
[ 3100.000030] Killed process 4330 (node-worker) total-vm:1234567kB, anon-rss:524000kB, file-rss:12kB, shmem-rss:0kB
[ 3200.000000] Out of memory: Kill process 1234 (java) score 900 or sacrifice child
[ 3200.000010] Killed process 1234 (java) total-vm:9876543kB, anon-rss:8765432kB, file-rss:0kB, shmem-rss:0kB
[ 3200.000020] oom_reaper: reaped process 1234 (java), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB
`;

/**
 * 6.x /dev/kmsg records: the lab's mmap-lock holder (labmemread, inside __access_remote_vm under a
 * page fault), user registers and </TASK>; a 6.16+ blocker line followed by the owner's trace; a
 * line user space wrote; 5.x+ OOM kills, one in a memory cgroup.
 */
const KMSG6 = `6,1200,8475123456,-;INFO: task labmemread:8475 blocked for more than 122 seconds.
3,1201,8475123460,-;      Not tainted 6.18.44 #1
3,1202,8475123461,-;"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.
6,1203,8475123462,-;task:labmemread      state:D stack:0     pid:8475  tgid:8475  ppid:1      task_flags:0x400000 flags:0x00080003
6,1204,8475123463,-;Call Trace:
6,1205,8475123464,-; <TASK>
6,1206,8475123465,-; __schedule+0x3dc/0xf60
6,1207,8475123466,-; schedule+0x23/0xa0
6,1208,8475123467,-; io_schedule+0x3f/0x60
6,1209,8475123468,-; filemap_fault+0xac0/0x1700
6,1210,8475123469,-; ? update_load_avg+0x7e/0x7a0
6,1211,8475123470,-; __do_fault+0x34/0xd0
6,1212,8475123471,-; do_fault+0x319/0x640
6,1213,8475123472,-; __handle_mm_fault+0x842/0xf40
6,1214,8475123473,-; handle_mm_fault+0xd0/0x2e0
6,1215,8475123474,-; __get_user_pages+0x1a3/0xb00
6,1216,8475123475,-; get_user_pages_remote+0xee/0x440
6,1217,8475123476,-; __access_remote_vm+0xd9/0x3b0
6,1218,8475123477,-; mem_rw+0x1c4/0x2d0
6,1219,8475123478,-; vfs_read+0xbb/0x3d0
6,1220,8475123479,-; __x64_sys_pread64+0xa3/0xe0
6,1221,8475123480,-; do_syscall_64+0x71/0x140
6,1222,8475123481,-; entry_SYSCALL_64_after_hwframe+0x76/0x7e
6,1223,8475123482,-;RIP: 0033:0x7f3c1a2b4c57
6,1224,8475123483,-;RSP: 002b:00007ffd2c1f1e48 EFLAGS: 00000246 ORIG_RAX: 0000000000000011
6,1225,8475123484,-;RAX: ffffffffffffffda RBX: 0000000000000003 RCX: 00007f3c1a2b4c57
6,1226,8475123485,-; </TASK>
3,1227,8600000000,-;INFO: task cat:115 blocked for more than 245 seconds.
6,1228,8600000001,-;task:cat             state:D stack:0     pid:115   tgid:115   ppid:106    task_flags:0x400100 flags:0x00000002
6,1229,8600000002,-;Call Trace:
6,1230,8600000003,-; <TASK>
6,1231,8600000004,-; __schedule+0x731/0x960
6,1232,8600000005,-; schedule+0xb7/0x140
6,1233,8600000006,-; schedule_preempt_disabled+0x15/0x30
6,1234,8600000007,-; __mutex_lock.constprop.0+0x3a5/0x6e0
6,1235,8600000008,-; read_dummy+0x2d/0x70
6,1236,8600000009,-; </TASK>
3,1237,8600000010,-;INFO: task cat:115 is blocked on a mutex likely owned by task cat:114.
6,1238,8600000011,-;task:cat             state:S stack:13432 pid:114   tgid:114   ppid:106    task_flags:0x400100 flags:0x00000002
6,1239,8600000012,-;Call Trace:
6,1240,8600000013,-; <TASK>
6,1241,8600000014,-; __schedule+0x731/0x960
6,1242,8600000015,-; schedule_timeout+0xa8/0x120
6,1243,8600000016,-; msleep_interruptible+0x3e/0x60
6,1244,8600000017,-; </TASK>
12,1245,8700000000,-;INFO: task fake:1 blocked for more than 120 seconds.
4,1246,9000000000,-;mysqld invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0
6,1247,9000000100,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/system.slice/mysql.service,task_memcg=/system.slice/mysql.service,task=mysqld,pid=2211,uid=27
3,1248,9000000200,-;Memory cgroup out of memory: Killed process 2211 (mysqld) total-vm:2046468kB, anon-rss:1048576kB, file-rss:0kB, shmem-rss:0kB, UID:27 pgtables:2400kB oom_score_adj:0
4,1249,9500000000,-;java invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0
6,1250,9500000100,-;oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/user.slice,task=java,pid=16653,uid=1000
3,1251,9500000200,-;Out of memory: Killed process 16653 (java) total-vm:12345678kB, anon-rss:9876543kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:20480kB oom_score_adj:0
6,1252,9500000300,-;oom_reaper: reaped process 16653 (java), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB
12,1253,9600000000,-;Out of memory: Killed process 1 (fake) total-vm:1kB
`;

const reportsOf = (text: string) =>
  hungTaskReports(parseKernelLog(text)).map((r) => {
    const c = catalog.classify(r.frames);
    return [r.comm, r.pid, r.blockedSecs, r.record.line, r.frames.length, c?.signature.wait_class ?? 'unclassified'];
  });
const killsOf = (text: string) => oomKills(parseKernelLog(text)).map((k) => [k.comm, k.pid, k.memcg, k.record.line]);

describe('hung-task reports in the kernel log', () => {
  it('2.6.32: two reports, their traces after the raw stack words, classified as /proc stacks are', () => {
    assert.deepEqual(reportsOf(RHEL6), [
      ['ps', 316, 120, 1, 11, 'mmap_lock_read'],
      ['java', 16660, 120, 18, 5, 'mmap_lock_read'],
    ]);
  });

  it('4.18: "?" frames are read and ignored by the signatures; module frames are read', () => {
    assert.deepEqual(reportsOf(RHEL8), [['jbd2/dm-0-8', 512, 120, 1, 11, 'jbd2_journal']]);
  });

  it('6.x /dev/kmsg: registers and markers pass, </TASK> ends the trace; a blocker line\'s trace (the owner\'s) is not the hung task\'s; user-space lines are not reports', () => {
    const reports = hungTaskReports(parseKernelLog(KMSG6));
    assert.deepEqual(reportsOf(KMSG6), [
      ['labmemread', 8475, 122, 1, 17, 'io_wait_block'],
      ['cat', 115, 245, 28, 5, 'mutex'],
    ]);
    assert.deepEqual(reports[1]!.frames.map((f) => f.fn), ['__schedule', 'schedule', 'schedule_preempt_disabled', '__mutex_lock', 'read_dummy']);
  });

  it('a report without a trace (the log cut it off, or the next report came first) has no frames', () => {
    const text = 'INFO: task a:1 blocked for more than 120 seconds.\nINFO: task b:2 blocked for more than 120 seconds.\n"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.\n';
    assert.deepEqual(reportsOf(text), [['a', 1, 120, 1, 0, 'unclassified'], ['b', 2, 120, 2, 0, 'unclassified']]);
  });

  it('a command name with a colon (kworker/u8:3) keeps it', () => {
    assert.deepEqual(reportsOf('[  1.0] INFO: task kworker/u8:3:123 blocked for more than 120 seconds.\n'), [['kworker/u8:3', 123, 120, 1, 0, 'unclassified']]);
  });
});

describe('OOM kills in the kernel log', () => {
  it('2.6.32 (RHEL 6): "Kill process ... or sacrifice child", then "Killed process PID, UID N, (comm)"', () => {
    assert.deepEqual(killsOf(RHEL6), [['java', 16653, false, 34]]);
  });

  it('upstream 2.6 and RHEL 5: "Killed process PID (comm)" alone', () => {
    assert.deepEqual(killsOf('Out of memory: kill process 1234 (httpd) score 417 or a child\nKilled process 1240 (httpd)\nOut of memory: Killed process 99 (perl).\n'), [
      ['httpd', 1240, false, 2],
      ['perl', 99, false, 3],
    ]);
  });

  it('3.x/4.x: a memory cgroup kill of a child, then a global kill; oom_reaper lines are not kills', () => {
    assert.deepEqual(killsOf(RHEL8), [
      ['node-worker', 4330, true, 20],
      ['java', 1234, false, 22],
    ]);
  });

  it('5.x/6.x: "Memory cgroup out of memory: Killed process" and "Out of memory: Killed process"; user-space lines are not kills', () => {
    assert.deepEqual(killsOf(KMSG6), [
      ['mysqld', 2211, true, 49],
      ['java', 16653, false, 52],
    ]);
  });
});

function factsOf(capture: KernelLogCapture | null): FactMap {
  const snapshot = emptySnapshot('test');
  snapshot.kernelLog = capture;
  const facts: FactMap = new Map();
  kernelLogFacts(snapshot, catalog, facts);
  return facts;
}
const value = (facts: FactMap, name: string): unknown => {
  const f = facts.get(name);
  assert.ok(f, `${name} is not set`);
  return f.ok ? f.value : `unknown: ${f.reason}`;
};

describe('kernel log facts', () => {
  it('a live /dev/kmsg: reports per wait class and per task, the holder, OOM victims, ages to the read time', () => {
    const facts = factsOf({ source: '/dev/kmsg', read: { ok: true, text: KMSG6 }, readAtSecs: 9620 });
    const v = (name: string) => value(facts, name);
    assert.equal(v('kmsg.records'), 54);
    assert.equal(v('kmsg.timestamped'), true);
    assert.equal(v('kmsg.logSpanSecs'), 1125);
    assert.equal(v('kmsg.hungTaskReports'), 2);
    assert.equal(v('kmsg.hungTasks'), 2);
    assert.equal(v('kmsg.hungTaskWaitClass.io_wait_block'), 1);
    assert.equal(v('kmsg.hungTaskWaitClass.mutex'), 1);
    assert.equal(v('kmsg.hungTaskWaitClass.unclassified'), 0);
    assert.deepEqual(v('kmsg.hungTaskWaitSummary'), ['io_wait_block 1', 'mutex 1']);
    assert.deepEqual(v('kmsg.hungTaskNames'), ['cat (115)', 'labmemread (8475)']);
    assert.equal(v('kmsg.hungTaskLongestBlockedSecs'), 245);
    assert.equal(v('kmsg.lastHungTaskAgeSecs'), 1020);
    assert.equal(v('kmsg.hungTaskMmapLockHolders'), 1);
    assert.deepEqual(v('kmsg.hungTaskMmapLockHolderNames'), ['labmemread (8475)']);
    assert.deepEqual(v('kmsg.hungTaskMmapLockHolderPids'), [8475]);
    assert.equal(v('kmsg.oomKills'), 2);
    assert.equal(v('kmsg.oomKillsMemcg'), 1);
    assert.deepEqual(v('kmsg.oomVictimCommands'), ['java 1', 'mysqld 1']);
    assert.equal(v('kmsg.lastOomVictim'), 'java (16653)');
    assert.equal(v('kmsg.lastOomKillAgeSecs'), 120);
  });

  it('evidence: the log\'s lines with their numbers, as dmesg prints them: the report line and the frames that decided its class', () => {
    const facts = factsOf({ source: '/dev/kmsg', read: { ok: true, text: KMSG6 }, readAtSecs: 9620 });
    assert.deepEqual(facts.get('kmsg.hungTaskWaitClass.mutex')?.sources, [
      { path: '/dev/kmsg', line: 28, excerpt: '[ 8600.000000] INFO: task cat:115 blocked for more than 245 seconds.' },
      { path: '/dev/kmsg', line: 32, excerpt: '[ 8600.000004]  __schedule+0x731/0x960' },
      { path: '/dev/kmsg', line: 33, excerpt: '[ 8600.000005]  schedule+0xb7/0x140' },
      { path: '/dev/kmsg', line: 34, excerpt: '[ 8600.000006]  schedule_preempt_disabled+0x15/0x30' },
      { path: '/dev/kmsg', line: 35, excerpt: '[ 8600.000007]  __mutex_lock.constprop.0+0x3a5/0x6e0' },
    ]);
    assert.deepEqual(facts.get('kmsg.lastOomKillAgeSecs')?.sources, [
      { path: '/dev/kmsg', line: 52, excerpt: '[ 9500.000200] Out of memory: Killed process 16653 (java) total-vm:12345678kB, anon-rss:9876543kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:20480kB oom_sc...' },
      { path: '/dev/kmsg', excerpt: 'read at 9620.000 s after boot' },
    ]);
  });

  it('a task reported again counts once, classified by its latest trace; a file\'s ages end at its last record', () => {
    const again = RHEL8.split('\n').slice(0, 16).join('\n').replaceAll('[ 3000.', '[ 3120.');
    const facts = factsOf({ source: 'rhel8.log', read: { ok: true, text: `${RHEL8}${again}\n` } });
    assert.equal(value(facts, 'kmsg.hungTaskReports'), 2);
    assert.equal(value(facts, 'kmsg.hungTasks'), 1);
    assert.equal(value(facts, 'kmsg.hungTaskWaitClass.jbd2_journal'), 1);
    assert.equal(value(facts, 'kmsg.lastHungTaskAgeSecs'), 80);
    assert.equal(value(facts, 'kmsg.lastOomKillAgeSecs'), 0);
    assert.equal(value(facts, 'kmsg.oomKillsMemcg'), 1);
  });

  it('a log without times: counts known, ages unknown with the reason', () => {
    const facts = factsOf({ source: 'rhel6-dmesg.txt', read: { ok: true, text: RHEL6 } });
    assert.equal(value(facts, 'kmsg.timestamped'), false);
    assert.equal(value(facts, 'kmsg.hungTaskWaitClass.mmap_lock_read'), 2);
    assert.equal(value(facts, 'kmsg.hungTaskMmapLockHolders'), 0);
    assert.equal(value(facts, 'kmsg.lastHungTaskAgeSecs'), 'unknown: the kernel log has no timestamps: when the last hung-task report happened is unknown');
    assert.equal(value(facts, 'kmsg.logSpanSecs'), 'unknown: the kernel log has no timestamps');
    assert.equal(value(facts, 'kmsg.lastOomVictim'), 'java (16653)');
  });

  it('a quiet log: zero counts, empty lists, null for what does not exist', () => {
    const facts = factsOf({ source: '/dev/kmsg', read: { ok: true, text: '6,1,1000000,-;Linux version 6.18.44\n' }, readAtSecs: 100 });
    assert.equal(value(facts, 'kmsg.hungTaskReports'), 0);
    assert.deepEqual(value(facts, 'kmsg.hungTaskNames'), []);
    assert.equal(value(facts, 'kmsg.lastHungTaskAgeSecs'), null);
    assert.equal(value(facts, 'kmsg.lastOomVictim'), null);
    assert.equal(value(facts, 'kmsg.oomKills'), 0);
  });

  it('more than ten tasks: the names list says how many more', () => {
    const text = Array.from({ length: 12 }, (_, i) => `[ ${i + 1}.0] INFO: task ps:${300 + i} blocked for more than 120 seconds.`).join('\n');
    const names = value(factsOf({ source: 'f', read: { ok: true, text } }), 'kmsg.hungTaskNames') as string[];
    assert.deepEqual([names.length, names[0], names.at(-1)], [11, 'ps (311)', '2 more']);
  });

  const reasons: [string, KernelLogCapture | null, string][] = [
    ['a snapshot from before procdx read the log', null, 'this snapshot has no kernel log (captured by a procdx that did not read it)'],
    ['a /proc tree without --kernel-log', { source: '', read: { ok: false, error: 'SKIPPED', reason: 'no kernel log for a proc-root tree; pass --kernel-log FILE' } }, 'no kernel log for a proc-root tree; pass --kernel-log FILE'],
    ['no root with dmesg_restrict', { source: '/dev/kmsg', read: { ok: false, error: 'EPERM' } }, '/dev/kmsg: EPERM (reading the kernel log needs root, CAP_SYSLOG, or kernel.dmesg_restrict=0)'],
    ['no /dev/kmsg', { source: '/dev/kmsg', read: { ok: false, error: 'ENOENT' } }, '/dev/kmsg: ENOENT (no /dev/kmsg here: a container without it, or a kernel before 3.5; pass dmesg output with --kernel-log FILE)'],
    ['a FIFO given as the log', { source: '/tmp/fifo', read: { ok: false, error: 'EINVAL', reason: 'not a regular file' } }, '/tmp/fifo: EINVAL (not a regular file)'],
  ];
  for (const [name, capture, reason] of reasons) {
    it(`unknown, with the reason: ${name}`, () => {
      const facts = factsOf(capture);
      assert.deepEqual([...facts.keys()].sort(), KMSG_FACTS, 'every kmsg fact of the schema is set, and no other');
      for (const [factName, fact] of facts) assert.deepEqual(fact, { ok: false, reason, sources: [] }, factName);
    });
  }
});
