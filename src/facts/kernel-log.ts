import { parseKernelLog, type KernelLogRecord } from '../parsers/kernel-log.js';
import { parseStack, type StackFrame } from '../parsers/stack.js';
import type { Classification, SignatureCatalog } from '../signatures/catalog.js';
import type { KernelLogCapture, Snapshot } from '../snapshot/snapshot.js';
import { known, unknown, type Fact, type FactMap, type SourceRef } from './fact.js';
import { countByKey, rankedCounts, sampleDistinct } from './sample.js';
import { WAIT_CLASSES } from '../signatures/wait-classes.js';
import { REMOTE_ACCESS } from './tasks.js';

/** One "INFO: task NAME:PID blocked for more than N seconds." report and the call trace printed with it. */
export interface HungTaskReport {
  comm: string;
  /** The kernel's pid of the task: the thread id. */
  pid: number;
  /** N of the report: the timeout on old kernels, how long the task had been blocked on newer ones. */
  blockedSecs: number;
  record: KernelLogRecord;
  /** The trace, top first; empty when the log holds none (cut off, or an architecture whose format is not read). */
  frames: StackFrame[];
}

/** One process the OOM killer killed ("Killed process PID (comm)"). */
export interface OomKill {
  comm: string;
  pid: number;
  /** Killed because a memory cgroup reached its limit, not because the host ran out. */
  memcg: boolean;
  record: KernelLogRecord;
}

const HUNG_TASK = /^INFO: task (.{1,64}):(\d{1,10}) blocked for more than (\d{1,10}) seconds/;
/** The next report, or a 6.16+ "INFO: task X:P is blocked on a mutex likely owned by task Y:Q" line (followed by Y's trace, not X's). */
const TASK_LINE = /^INFO: task /;
const CALL_TRACE = /^Call [Tt]race:/;
const MARKER = /^<\/?(?:TASK|IRQ|NMI|EOI|SOFTIRQ)>$/;
/** User-space registers printed inside a 5.x+ trace ("RIP: 0033:0x7f...", "RAX: ...", "Code: ..."). */
const REGISTERS = /^(?:R[A-Z0-9]{1,3}|[CDEFGS]S|CR\d|DR\d|Code|PKRU): /;
/** Lines between a report and its "Call Trace:": taint, the echo hint, the task line, 2.6's raw stack words, "Workqueue:". */
const HEADER_LINES = 24;
const MAX_FRAMES = 64;

/**
 * The hung-task reports in a kernel log (kernel/hung_task.c), each with its call trace: 2.6.32's
 * ` [<ffffffff8150e455>] rwsem_down_failed_common+0x95/0x1d0` frames and 5.x/6.x's
 * `<TASK> __schedule+0x3dc/0xf60 ... </TASK>` alike. Lines that user space wrote to /dev/kmsg
 * (facility other than kernel) are not reports.
 */
export function hungTaskReports(records: KernelLogRecord[]): HungTaskReport[] {
  const reports: HungTaskReport[] = [];
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    if (record.facility !== null && record.facility !== 0) continue;
    const m = HUNG_TASK.exec(record.text);
    if (!m) continue;
    const report: HungTaskReport = { comm: m[1]!, pid: Number(m[2]), blockedSecs: Number(m[3]), record, frames: [] };
    reports.push(report);
    let j = i + 1;
    while (j < records.length && j <= i + HEADER_LINES && !TASK_LINE.test(records[j]!.text) && !CALL_TRACE.test(records[j]!.text.trim())) j++;
    if (j >= records.length || !CALL_TRACE.test(records[j]!.text.trim())) continue;
    for (j++; j < records.length && report.frames.length < MAX_FRAMES; j++) {
      const text = records[j]!.text.trim();
      if (text === '</TASK>') {
        j++;
        break;
      }
      if (TASK_LINE.test(text)) break;
      if (MARKER.test(text) || REGISTERS.test(text)) continue;
      const frame = frameOf(text, records[j]!.line);
      if (!frame) break;
      report.frames.push(frame);
    }
    i = j - 1;
  }
  return reports;
}

function frameOf(text: string, line: number): StackFrame | null {
  try {
    const [frame] = parseStack(text, 'kernel log');
    return frame ? { ...frame, line } : null;
  } catch {
    return null;
  }
}

/** "Killed process 1234 (java) total-vm:..." (3.x+), "Killed process 16653, UID 500, (java) ..." (RHEL 6), "Out of memory: Killed process 1234 (java) ..." (5.x+). */
const KILLED = /(?:^|: )Killed process (\d{1,10}),? (?:UID \d{1,10}, )?\((.{1,64}?)\)(?=[ ,.]|$)/;
const MEMCG_CONTEXT = /^Memory cgroup out of memory: Kill|^Task in .{1,512} killed as a result of limit of |oom-kill:constraint=CONSTRAINT_MEMCG/;
const GLOBAL_CONTEXT = /^Out of memory(?: \([a-z_]{1,40}\))?: Kill|oom-kill:constraint=CONSTRAINT_(?:NONE|CPUSET|MEMORY_POLICY)/;

/**
 * The processes the OOM killer killed (mm/oom_kill.c): one per "Killed process" line, which every
 * kernel since 2.6 prints once per kill and never rate-limits (the "invoked oom-killer" report
 * before it is). Whether a memory cgroup's limit was the cause comes from the line itself (5.x+:
 * "Memory cgroup out of memory: Killed process") or from the lines before it ("Memory cgroup out
 * of memory: Kill process ... or sacrifice child", "oom-kill:constraint=CONSTRAINT_MEMCG").
 */
export function oomKills(records: KernelLogRecord[]): OomKill[] {
  const kills: OomKill[] = [];
  let context: boolean | null = null;
  for (const record of records) {
    if (record.facility !== null && record.facility !== 0) continue;
    const text = record.text;
    if (text.includes('invoked oom-killer')) context = null;
    const killed = KILLED.exec(text);
    if (killed) {
      const memcg = text.startsWith('Memory cgroup out of memory') ? true : text.startsWith('Out of memory') ? false : (context ?? false);
      kills.push({ comm: killed[2]!, pid: Number(killed[1]), memcg, record });
      context = null;
    } else if (MEMCG_CONTEXT.test(text)) {
      context = true;
    } else if (GLOBAL_CONTEXT.test(text)) {
      context = false;
    }
  }
  return kills;
}

/** At most this many names in a list fact; the count facts say how many there are. */
const MAX_NAMES = 10;

/**
 * Facts from the kernel log: hung-task reports with the wait class of each reported task's call
 * trace (the same signatures as /proc stacks; these traces also show the scheduler and rwsem
 * frames /proc hides), tasks the kernel reported hung inside another process's mmap lock, and OOM
 * kills with their victims. Ages are measured to when a live log was read, or to the last record
 * of a log read from a file.
 */
export function kernelLogFacts(snapshot: Snapshot, catalog: SignatureCatalog, facts: FactMap): void {
  const names = factNames();
  const capture = snapshot.kernelLog;
  const reason = unavailable(capture);
  if (reason !== null || !capture?.read.ok) {
    for (const name of names) facts.set(name, unknown(reason ?? 'no kernel log'));
    return;
  }
  const records = parseKernelLog(capture.read.text);
  const byLine = new Map(records.map((r) => [r.line, r]));
  const ref = (record: KernelLogRecord): SourceRef => ({ path: capture.source, line: record.line, excerpt: excerpt(record) });
  const frameRef = (frame: StackFrame): SourceRef => ({ path: capture.source, line: frame.line, excerpt: excerpt(byLine.get(frame.line)!) });
  const timed = records.filter((r) => r.time !== null);
  // Lines of a pasted or merged log need not be in time order: the span runs from the earliest to the latest.
  const earliestTimed = timed.reduce<KernelLogRecord | undefined>((a, r) => (a && a.time! <= r.time! ? a : r), undefined);
  const latestTimed = timed.reduce<KernelLogRecord | undefined>((a, r) => (a && a.time! >= r.time! ? a : r), undefined);
  const firstTime = earliestTimed?.time ?? null;
  const lastTime = latestTimed?.time ?? null;
  // The live read's clock and printk's both count from boot; a log from a file ends at its latest record.
  const end = lastTime === null ? null : capture.readAtSecs !== undefined && capture.readAtSecs >= lastTime - 1 ? capture.readAtSecs : lastTime;
  const ageOf = (record: KernelLogRecord | undefined, what: string): Fact => {
    if (!record) return known(null, []);
    if (record.time === null || end === null) return unknown(`the kernel log has no timestamps: when the last ${what} happened is unknown`, [ref(record)]);
    return known(Math.max(0, Math.round(end - record.time)), [ref(record), endRef(capture, end, latestTimed)], 'seconds');
  };

  const span = `${records.length} records, lines 1-${records.at(-1)?.line ?? 0}${capture.truncated ? `; left out: ${capture.truncated}` : ''}`;
  facts.set('kmsg.records', known(records.length, [{ path: capture.source, excerpt: span }], 'records'));
  facts.set('kmsg.timestamped', known(timed.length > 0, timed.length > 0 ? [ref(timed[0]!)] : [{ path: capture.source, excerpt: 'no line carries a time' }]));
  facts.set(
    'kmsg.logSpanSecs',
    firstTime === null || lastTime === null
      ? unknown('the kernel log has no timestamps', [{ path: capture.source, excerpt: span }])
      : known(Math.round(lastTime - firstTime), [ref(earliestTimed!), ref(latestTimed!)], 'seconds'),
  );

  // Hung tasks: one per task, classified by the latest report that has a trace.
  const reports = hungTaskReports(records);
  const byTask = new Map<string, HungTaskReport>();
  for (const r of reports) {
    const key = `${r.comm}:${r.pid}`;
    const seen = byTask.get(key);
    if (!seen || r.frames.length > 0 || seen.frames.length === 0) byTask.set(key, r);
  }
  const tasks = [...byTask.values()];
  const classified = tasks.map((r) => ({ report: r, c: catalog.classify(r.frames) }));
  const reportRefs = (list: { report: HungTaskReport; c: Classification | null }[]): SourceRef[] =>
    sampleDistinct(list, (x) => x.report.comm).flatMap((x) => [ref(x.report.record), ...(x.c ? x.c.frames.map(frameRef) : [])]);
  const classOf = (x: (typeof classified)[number]): string => (x.c ? x.c.signature.wait_class : 'unclassified');
  const byClass = new Map<string, typeof classified>();
  for (const x of classified) byClass.set(classOf(x), [...(byClass.get(classOf(x)) ?? []), x]);
  facts.set('kmsg.hungTaskReports', known(reports.length, sampleDistinct(reports, (r) => r.comm).map((r) => ref(r.record)), 'reports'));
  facts.set('kmsg.hungTasks', known(tasks.length, tasks.length > 0 ? [{ path: capture.source, excerpt: `by command: ${countByKey(tasks, (r) => r.comm)}` }] : [], 'tasks'));
  for (const cls of [...WAIT_CLASSES, 'unclassified']) {
    facts.set(`kmsg.hungTaskWaitClass.${cls}`, known(byClass.get(cls)?.length ?? 0, reportRefs(byClass.get(cls) ?? []), 'tasks'));
  }
  facts.set('kmsg.hungTaskWaitSummary', known(rankedCounts(classified, classOf), reportRefs(classified)));
  const latest = new Map<string, HungTaskReport>();
  for (const r of [...reports].reverse()) if (!latest.has(`${r.comm}:${r.pid}`)) latest.set(`${r.comm}:${r.pid}`, r);
  const latestFirst = [...latest.values()];
  facts.set('kmsg.hungTaskNames', known(bounded(latestFirst.map((r) => `${r.comm} (${r.pid})`)), latestFirst.slice(0, 5).map((r) => ref(r.record))));
  const longest = reports.reduce<HungTaskReport | undefined>((a, r) => (a && a.blockedSecs >= r.blockedSecs ? a : r), undefined);
  facts.set('kmsg.hungTaskLongestBlockedSecs', longest ? known(longest.blockedSecs, [ref(longest.record)], 'seconds') : known(null, []));
  facts.set('kmsg.lastHungTaskAgeSecs', ageOf(reports.at(-1)?.record, 'hung-task report'));

  // A reported task inside another process's memory access, not waiting for its lock, holds that lock.
  const holders = classified.filter((x) => !x.c?.signature.wait_class.startsWith('mmap_lock') && x.report.frames.some((f) => !f.unreliable && REMOTE_ACCESS.has(f.fn)));
  const holderRefs = sampleDistinct(holders, (x) => x.report.comm).flatMap((x) => [ref(x.report.record), frameRef(x.report.frames.find((f) => !f.unreliable && REMOTE_ACCESS.has(f.fn))!)]);
  facts.set('kmsg.hungTaskMmapLockHolders', known(holders.length, holderRefs, 'tasks'));
  facts.set('kmsg.hungTaskMmapLockHolderNames', known(bounded(holders.map((x) => `${x.report.comm} (${x.report.pid})`)), holderRefs));
  facts.set('kmsg.hungTaskMmapLockHolderPids', known([...new Set(holders.map((x) => x.report.pid))].slice(0, MAX_NAMES), holderRefs));

  const kills = oomKills(records);
  const killRefs = (list: OomKill[]): SourceRef[] => sampleDistinct(list, (k) => k.comm).map((k) => ref(k.record));
  facts.set('kmsg.oomKills', known(kills.length, killRefs(kills), 'kills'));
  facts.set('kmsg.oomKillsMemcg', known(kills.filter((k) => k.memcg).length, killRefs(kills.filter((k) => k.memcg)), 'kills'));
  facts.set('kmsg.oomVictimCommands', known(bounded(rankedCounts(kills, (k) => k.comm)), killRefs(kills)));
  const last = kills.at(-1);
  facts.set('kmsg.lastOomVictim', last ? known(`${last.comm} (${last.pid})`, [ref(last.record)]) : known(null, []));
  facts.set('kmsg.lastOomKillAgeSecs', ageOf(last?.record, 'OOM kill'));
}

const MAX_EXCERPT = 160;

/**
 * A log line as evidence, as dmesg prints it ("[ 8475.123456] INFO: task ..."): more readable
 * than a /dev/kmsg record's "6,1200,8475123456,-;" prefix; the line number points at the record.
 */
function excerpt(record: KernelLogRecord): string {
  const time = record.time === null ? '' : `[${record.time.toFixed(6).padStart(12)}] `;
  const whole = `${time}${record.text}`;
  return whole.length > MAX_EXCERPT ? `${whole.slice(0, MAX_EXCERPT)}...` : whole;
}

/** Why the kernel log's facts are unknown, or null when the log was read. */
function unavailable(capture: KernelLogCapture | null): string | null {
  if (capture === null) return 'this snapshot has no kernel log (captured by a procdx that did not read it)';
  const read = capture.read;
  if (read.ok) return null;
  if (read.error === 'SKIPPED') return read.reason ?? 'the kernel log was not read';
  const where = capture.source || 'the kernel log';
  if (capture.source === '/dev/kmsg') {
    if (read.error === 'EPERM' || read.error === 'EACCES') return `/dev/kmsg: ${read.error} (reading the kernel log needs root, CAP_SYSLOG, or kernel.dmesg_restrict=0)`;
    if (read.error === 'ENOENT') return '/dev/kmsg: ENOENT (no /dev/kmsg here: a container without it, or a kernel before 3.5; pass dmesg output with --kernel-log FILE)';
  }
  return `${where}: ${read.error}${read.reason ? ` (${read.reason})` : ''}`;
}

function endRef(capture: KernelLogCapture, end: number, last: KernelLogRecord | undefined): SourceRef {
  if (capture.readAtSecs !== undefined && end === capture.readAtSecs) return { path: capture.source, excerpt: `read at ${end.toFixed(3)} s after boot` };
  return last ? { path: capture.source, line: last.line, excerpt: 'the latest record: the end of this log' } : { path: capture.source };
}

function bounded(names: string[]): string[] {
  return names.length > MAX_NAMES ? [...names.slice(0, MAX_NAMES), `${names.length - MAX_NAMES} more`] : names;
}

/** Every fact this module sets, known or not. */
function factNames(): string[] {
  return [
    'kmsg.records', 'kmsg.timestamped', 'kmsg.logSpanSecs',
    'kmsg.hungTaskReports', 'kmsg.hungTasks', ...[...WAIT_CLASSES, 'unclassified'].map((c) => `kmsg.hungTaskWaitClass.${c}`),
    'kmsg.hungTaskWaitSummary', 'kmsg.hungTaskNames', 'kmsg.hungTaskLongestBlockedSecs', 'kmsg.lastHungTaskAgeSecs',
    'kmsg.hungTaskMmapLockHolders', 'kmsg.hungTaskMmapLockHolderNames', 'kmsg.hungTaskMmapLockHolderPids',
    'kmsg.oomKills', 'kmsg.oomKillsMemcg', 'kmsg.oomVictimCommands', 'kmsg.lastOomVictim', 'kmsg.lastOomKillAgeSecs',
  ];
}
