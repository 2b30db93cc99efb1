import type { StackFrame } from '../parsers/stack.js';
import type { SignatureCatalog, Classification } from '../signatures/catalog.js';
import { EVIDENCE_SAMPLES, known, unknown, procPath, type Entity, type Fact, type FactMap, type FactView, type SourceRef } from './fact.js';
import { WAIT_CLASSES } from '../signatures/wait-classes.js';
import { countByKey, rankedCounts, sampleDistinct } from './sample.js';
import type { ProcessInfo, TaskTable, ThreadInfo } from './task-table.js';

/** Task states counted as facts, as /proc/PID/stat field 3 prints them (proc(5)). */
export const STATES = ['R', 'S', 'D', 'Z', 'T', 't', 'I'] as const;

export { WAIT_CLASSES } from '../signatures/wait-classes.js';

interface BlockedThread {
  process: ProcessInfo;
  thread: ThreadInfo;
}

/** Stack classifications of every thread whose stack was read, computed once per run. */
export class Classifier {
  private readonly cache = new Map<ThreadInfo, Classification | null>();

  constructor(private readonly catalog: SignatureCatalog) {}

  classify(thread: ThreadInfo): Classification | null {
    if (!this.cache.has(thread)) {
      const stack = thread.stack;
      this.cache.set(thread, stack?.ok ? this.catalog.classify(stack.frames) : null);
    }
    return this.cache.get(thread) ?? null;
  }
}

/** Counts of processes and threads by state, and of D threads by wait class and by signature. */
export function taskFacts(table: TaskTable, classifier: Classifier, catalog: SignatureCatalog, facts: FactMap): void {
  const threads = table.processes.flatMap((process) => process.threads.map((thread) => ({ process, thread })));
  const procSource: SourceRef = { path: '/proc/*/stat', excerpt: `field 3 (state) of ${table.processes.length} processes` };
  const threadSource: SourceRef = { path: '/proc/*/task/*/stat', excerpt: `field 3 (state) of ${threads.length} threads` };

  facts.set('tasks.processes.total', known(table.processes.length, [procSource], 'processes'));
  facts.set('tasks.threads.total', known(threads.length, [threadSource], 'threads'));
  const procsByState = new Map<string, ProcessInfo[]>();
  for (const p of table.processes) push(procsByState, p.state, p);
  const threadsByState = new Map<string, BlockedThread[]>();
  for (const t of threads) push(threadsByState, t.thread.state, t);
  for (const state of STATES) {
    const procs = procsByState.get(state) ?? [];
    facts.set(`tasks.processes.${state}`, known(procs.length, [procSource, ...statSamples(procs, (p) => p)], 'processes'));
    const ths = threadsByState.get(state) ?? [];
    const byCommand: SourceRef[] = ths.length > 0 && state !== 'S' && state !== 'I' ? [{ path: '/proc/*/task/*/stat', excerpt: `${ths.length} by command: ${countByKey(ths, (t) => t.thread.comm)}` }] : [];
    facts.set(`tasks.threads.${state}`, known(ths.length, [threadSource, ...byCommand, ...statSamples(ths, (t) => t.thread)], 'threads'));
  }

  const blocked = threads.filter((t) => t.thread.state === 'D');
  const unreadable = blocked.filter((t) => t.thread.stack && !t.thread.stack.ok && t.thread.stack.reason !== 'ENOENT');
  const stackReason = stackUnreadableReason(unreadable);
  const byClass = new Map<string, BlockedThread[]>();
  const bySignature = new Map<string, BlockedThread[]>();
  const classOf = (b: BlockedThread): string => classifier.classify(b.thread)?.signature.wait_class ?? 'unclassified';
  for (const b of blocked) {
    push(byClass, classOf(b), b);
    const c = classifier.classify(b.thread);
    if (c) push(bySignature, c.signature.id, b);
  }
  // Not one D thread's stack could be read: the classes are unknown, not zero.
  const noStacks = stackReason && blocked.length > 0 && blocked.length === unreadable.length ? unknown(stackReason, [threadSource]) : null;
  const classFact = (list: BlockedThread[] | undefined): Fact => noStacks ?? known(list?.length ?? 0, stackSamples(list ?? [], classifier), 'threads');
  for (const cls of [...WAIT_CLASSES, 'unclassified']) facts.set(`tasks.waitClass.${cls}`, classFact(byClass.get(cls)));
  const breakdown = rankedCounts(blocked, classOf);
  facts.set(
    'tasks.dByWaitClass',
    noStacks ?? known(breakdown.length > 0 ? breakdown.join(', ') : 'none', [{ path: '/proc/*/task/*/stack', excerpt: `${blocked.length} D threads classified` }]),
  );
  for (const signature of catalog.signatures) facts.set(`tasks.signature.${signature.id}`, classFact(bySignature.get(signature.id)));
  // Frozen tasks show D but wait for no resource; without stacks they cannot be told apart, and count as D.
  const frozen = byClass.get('cgroup_freezer')?.length ?? 0;
  facts.set(
    'tasks.threads.dNotFrozen',
    known(
      blocked.length - frozen,
      [threadSource, { path: '/proc/*/task/*/stack', excerpt: unreadable.length > 0 ? `${frozen} frozen; ${unreadable.length} D threads with unreadable stacks counted as not frozen` : `${frozen} frozen by the cgroup freezer` }],
      'threads',
    ),
  );
  facts.set(
    'tasks.threads.dStacksUnreadable',
    known(unreadable.length, unreadable.slice(0, 5).map((u) => ({ path: procPath(u.thread.stackPath), excerpt: reasonOf(u.thread) })), 'threads'),
  );
}

/**
 * tasks.threads.dNotInIoWait: threads in D that /proc/stat's procs_blocked does not count and that
 * are not frozen, i.e. D - procs_blocked - frozen, at least 0. procs_blocked (vmstat's "b") is
 * nr_iowait: tasks asleep in io_schedule. Lock waiters, journal and NFS waits are in D without
 * being in it, and frozen tasks show D without waiting for anything. procs_blocked is read a
 * moment apart from the task states, so a small difference is noise. Computed after the task and
 * /proc/stat facts; unknown when either is, or when the frozen count is (stacks unreadable).
 */
export function notInIoWaitFact(facts: FactMap): void {
  const parts = ['tasks.threads.D', 'tasks.procsBlocked', 'tasks.waitClass.cgroup_freezer'].map((name) => ({ name, fact: facts.get(name) }));
  const missing = parts.find((p) => !p.fact?.ok);
  if (missing) {
    facts.set('tasks.threads.dNotInIoWait', unknown(missing.fact && !missing.fact.ok ? missing.fact.reason : `needs ${missing.name}`));
    return;
  }
  const [d, blocked, frozen] = parts.map((p) => Number((p.fact as Extract<Fact, { ok: true }>).value)) as [number, number, number];
  const sources = parts.flatMap((p) => p.fact!.sources.slice(0, 1));
  facts.set('tasks.threads.dNotInIoWait', known(Math.max(0, d - blocked - frozen), sources, 'threads'));
}

/** One entity per process: its threads, D threads, zombie children and page faults stuck on its own mmap lock. */
export function processEntities(table: TaskTable, classifier: Classifier): Entity[] {
  const zombiesByParent = new Map<number, ProcessInfo[]>();
  for (const p of table.processes) {
    if (p.state === 'Z') push(zombiesByParent, p.ppid, p);
  }
  return table.processes.map((process) => ({
    subject: { kind: 'process', pid: process.pid, comm: process.comm },
    facts: new ProcessFacts(process, zombiesByParent.get(process.pid) ?? [], classifier),
  }));
}

/**
 * One entity per command name (a process's comm): how many processes and tasks run it, and how
 * many of those tasks are in D or are zombies. What a site means by "50 of our zabbix_agentd
 * tasks in D": a process-level count would see each agent process alone.
 */
export function commandEntities(table: TaskTable): Entity[] {
  const byComm = new Map<string, ProcessInfo[]>();
  for (const p of table.processes) push(byComm, p.comm, p);
  return [...byComm.keys()].sort().map((comm) => {
    const processes = byComm.get(comm)!;
    const threads = processes.flatMap((p) => p.threads);
    const dThreads = threads.filter((t) => t.state === 'D');
    const zombies = processes.filter((p) => p.state === 'Z');
    const summary = (what: string, n: number): SourceRef[] => [{ path: '/proc/*/stat', excerpt: `${n} ${what} of command ${comm}` }];
    const facts: FactMap = new Map([
      ['command.name', known(comm, summary('processes', processes.length))],
      ['command.processes', known(processes.length, summary('processes', processes.length), 'processes')],
      ['command.threads', known(threads.length, summary('tasks', threads.length), 'threads')],
      ['command.dThreads', known(dThreads.length, [...summary('tasks in D', dThreads.length), ...statSamples(dThreads, (t) => t)], 'threads')],
      ['command.zombies', known(zombies.length, [...summary('zombies', zombies.length), ...statSamples(zombies, (z) => z)], 'processes')],
    ]);
    return { subject: { kind: 'command', comm }, facts };
  });
}

/** One entity per thread: where it waits, and which signature its stack matched. */
export function threadEntities(table: TaskTable, classifier: Classifier): Entity[] {
  return table.processes.flatMap((process) =>
    process.threads.map((thread) => ({
      subject: { kind: 'thread' as const, pid: process.pid, tid: thread.tid, comm: thread.comm },
      facts: new ThreadFacts(process, thread, classifier),
    })),
  );
}

const THREAD_FACTS = ['thread.tid', 'thread.pid', 'thread.comm', 'thread.state', 'thread.wchan', 'thread.signature', 'thread.waitClass'];

/** A thread's facts, computed when a rule asks: there can be 50,000 threads, and rules read few facts of each. */
class ThreadFacts implements FactView {
  constructor(
    private readonly process: ProcessInfo,
    private readonly thread: ThreadInfo,
    private readonly classifier: Classifier,
  ) {}

  keys(): string[] {
    return THREAD_FACTS;
  }

  get(name: string): Fact | undefined {
    const t = this.thread;
    const stat = (): SourceRef[] => [{ path: procPath(t.statPath), line: 1, excerpt: clip(t.statText) }];
    switch (name) {
      case 'thread.tid':
        return known(t.tid, stat());
      case 'thread.pid':
        return known(this.process.pid, stat());
      case 'thread.comm':
        return known(t.comm, stat());
      case 'thread.state':
        return known(t.state, stat());
      case 'thread.wchan':
        return t.wchan === null
          ? unknown(`${procPath(t.statPath.replace(/stat$/, 'wchan'))}: not read (procdx reads wait channels of blocked tasks only)`)
          : known(t.wchan, [{ path: procPath(t.statPath.replace(/stat$/, 'wchan')), excerpt: t.wchan }]);
      case 'thread.signature':
      case 'thread.waitClass': {
        if (t.stack === null) return unknown(`${procPath(t.stackPath)}: not read (procdx reads stacks of blocked tasks only)`);
        if (!t.stack.ok) return unknown(stackUnreadableReason([{ process: this.process, thread: t }])!);
        const c = this.classifier.classify(t);
        const sources = c ? c.frames.map((f) => ({ path: procPath(t.stackPath), line: f.line, excerpt: frameText(f.text) })) : [{ path: procPath(t.stackPath), excerpt: 'no signature matched' }];
        if (name === 'thread.signature') return known(c?.signature.id ?? '', sources);
        return known(c?.signature.wait_class ?? 'unclassified', sources);
      }
      default:
        return undefined;
    }
  }
}

const PROCESS_FACTS = [
  'process.pid', 'process.comm', 'process.state', 'process.ppid', 'process.threads', 'process.dThreads', 'process.zombieChildren', 'process.ownMmapFaultWaiters',
];

/**
 * A process's facts, computed when a rule asks for one: there is an entity for every process
 * (10,000+), rules read two or three facts of each, and only findings need the evidence.
 */
class ProcessFacts implements FactView {
  constructor(
    private readonly process: ProcessInfo,
    private readonly zombies: ProcessInfo[],
    private readonly classifier: Classifier,
  ) {}

  keys(): string[] {
    return PROCESS_FACTS;
  }

  get(name: string): Fact | undefined {
    const p = this.process;
    const ref = (): SourceRef[] => [{ path: procPath(p.statPath), line: 1, excerpt: clip(p.statText) }];
    switch (name) {
      case 'process.pid':
        return known(p.pid, ref());
      case 'process.comm':
        return known(p.comm, ref());
      case 'process.state':
        return known(p.state, ref());
      case 'process.ppid':
        return known(p.ppid, ref());
      case 'process.threads':
        return known(p.threads.length, [{ path: `/proc/${p.pid}/task`, excerpt: `${p.threads.length} entries` }], 'threads');
      case 'process.dThreads': {
        const d = p.threads.filter((t) => t.state === 'D');
        return known(d.length, statSamples(d, (t) => t), 'threads');
      }
      case 'process.zombieChildren':
        return known(this.zombies.length, statSamples(this.zombies, (z) => z), 'processes');
      case 'process.ownMmapFaultWaiters':
        return ownFaultWaiters(p, this.classifier);
      default:
        return undefined;
    }
  }
}

/**
 * One entity per process N that blocked tasks hold an fd on (/proc/N/...): how many D tasks are
 * reading its files, how many of them are waiting for its mmap lock, and what its own threads do.
 */
export function procTargetEntities(table: TaskTable, classifier: Classifier, facts: FactMap): Entity[] {
  const readersByTarget = new Map<number, { reader: BlockedThread; fd: NonNullable<ProcessInfo['fds']>[number] }[]>();
  let readerCount = 0;
  for (const process of table.processes) {
    const procFds = (process.fds ?? []).filter((fd) => fd.target.kind === 'proc' && fd.target.pid !== process.pid);
    if (procFds.length === 0) continue;
    for (const thread of process.threads.filter((t) => t.state === 'D')) {
      readerCount++;
      const seen = new Set<number>();
      for (const fd of procFds) {
        if (fd.target.kind !== 'proc' || seen.has(fd.target.pid)) continue;
        seen.add(fd.target.pid);
        push(readersByTarget, fd.target.pid, { reader: { process, thread }, fd });
      }
    }
  }
  facts.set('tasks.procReadersBlocked', known(readerCount, [{ path: '/proc/*/fd/*', excerpt: 'D tasks with an fd on another process\'s /proc files' }], 'threads'));
  const blockedByPid = new Map<number, TaskTable['blockedReads']>();
  for (const b of table.blockedReads) push(blockedByPid, b.pid, b);
  facts.set(
    'reads.blocked',
    known(table.blockedReads.length, table.blockedReads.slice(0, EVIDENCE_SAMPLES).map(blockedRef), 'files'),
  );

  const targets = [...new Set([...readersByTarget.keys(), ...blockedByPid.keys()])].sort((a, b) => a - b);
  return targets.map((pid) => {
    const readers = readersByTarget.get(pid) ?? [];
    const blockedReads = blockedByPid.get(pid) ?? [];
    const target = table.byPid.get(pid);
    const targetRef: SourceRef[] = target ? [{ path: procPath(target.statPath), line: 1, excerpt: clip(target.statText) }] : [];
    const fdRefs = fdRefsOf(readers);
    const lockReaders = readers.filter((r) => {
      const c = classifier.classify(r.reader.thread);
      return c?.signature.wait_class === 'mmap_lock_read' && c.signature.context === 'proc_reader';
    });
    const lockFdRefs = fdRefsOf(lockReaders);
    const holders = readers.filter((r) => insideRemoteAccess(r.reader.thread, classifier));
    const files = [...new Set(readers.map((r) => (r.fd.target.kind === 'proc' ? r.fd.target.file : '')))].filter((f) => f !== '').sort();
    const unreadable = readers.filter((r) => r.reader.thread.stack && !r.reader.thread.stack.ok && reasonOf(r.reader.thread) !== 'ENOENT');
    const facts: FactMap = new Map<string, Fact>([
      ['target.pid', known(pid, targetRef.length > 0 ? targetRef : fdRefs)],
      ['target.comm', target ? known(target.comm, targetRef) : unknown(`/proc/${pid}/stat: process ${pid} has exited or was not read`)],
      ['target.readers', known(readers.length, fdRefs, 'threads')],
      ['target.blockedReads', known(blockedReads.length, blockedReads.map(blockedRef), 'files')],
      [
        'target.mmapLockReaders',
        readers.length > 0 && unreadable.length === readers.length
          ? unknown(stackUnreadableReason(unreadable.map((r) => r.reader)) ?? 'reader stacks not read', fdRefs)
          : known(lockReaders.length, [...lockFdRefs, ...stackSamples(lockReaders.map((r) => r.reader), classifier)], 'threads'),
      ],
      ['target.lockHolders', known(holders.length, holders.flatMap((h) => holderRefs(h)), 'threads')],
      ['target.lockHolderNames', known(holders.map((h) => `${h.reader.process.comm} (${h.reader.process.pid})`), fdRefsOf(holders))],
      ['target.lockHolderPids', known([...new Set(holders.map((h) => h.reader.process.pid))], fdRefsOf(holders))],
      ['target.readerFiles', known(files, fdRefs)],
      ['target.threads', target ? known(target.threads.length, [{ path: `/proc/${pid}/task`, excerpt: `${target.threads.length} entries` }], 'threads') : unknown(`process ${pid} has exited`)],
      ['target.ownMmapFaultWaiters', target ? ownFaultWaiters(target, classifier) : unknown(`process ${pid} has exited`)],
      ['target.ownMmapWriters', target ? ownWriters(target, classifier) : unknown(`process ${pid} has exited`)],
    ]);
    return { subject: { kind: 'process', pid, comm: target?.comm ?? '?' }, facts };
  });
}

type Reader = { reader: BlockedThread; fd: NonNullable<ProcessInfo['fds']>[number] };

/** fd-link evidence: a count per command (the bulk), then one link per command, rarest first. */
function fdRefsOf(readers: Reader[]): SourceRef[] {
  if (readers.length === 0) return [];
  const summary: SourceRef = { path: '/proc/*/fd/*', excerpt: `${readers.length} by command: ${countByKey(readers, (r) => r.reader.process.comm)}` };
  return [
    summary,
    ...sampleDistinct(readers, (r) => r.reader.process.comm).map((r) => ({
      path: procPath(r.fd.path),
      excerpt: `${r.reader.process.comm} (${r.reader.process.pid}) -> ${r.fd.target.text}`,
    })),
  ];
}

/** Frames through which one process reads another's memory, taking its mmap lock for read. */
export const REMOTE_ACCESS = new Set(['__access_remote_vm', 'access_remote_vm', 'access_process_vm']);

/**
 * A reader that is inside the target's mmap lock rather than waiting for it: a remote-access
 * frame on its stack that did not classify it as a waiter (a waiter has that frame on top, under
 * lock frames only), so it is deeper down, typically under a page fault that waits for I/O.
 */
function insideRemoteAccess(thread: ThreadInfo, classifier: Classifier): boolean {
  if (!thread.stack?.ok) return false;
  const c = classifier.classify(thread);
  if (c?.signature.wait_class.startsWith('mmap_lock')) return false;
  return thread.stack.frames.some((f) => REMOTE_ACCESS.has(f.fn));
}

function holderRefs(h: Reader): SourceRef[] {
  const frames = h.reader.thread.stack?.ok ? h.reader.thread.stack.frames : [];
  const inside = frames.findIndex((f) => REMOTE_ACCESS.has(f.fn));
  const shown = [frames[0], frames[inside]].filter((f, i, all): f is StackFrame => f !== undefined && all.indexOf(f) === i);
  return [
    { path: procPath(h.fd.path), excerpt: `${h.reader.process.comm} (${h.reader.process.pid}) -> ${h.fd.target.text}` },
    ...shown.map((f) => ({ path: procPath(h.reader.thread.stackPath), line: f.line, excerpt: frameText(f.text) })),
  ];
}

function blockedRef(b: TaskTable['blockedReads'][number]): SourceRef {
  return { path: procPath(b.path), excerpt: `procdx's own read blocked; given up after ${b.afterMs} ms` };
}

/** Threads of a process stuck in a page fault on the process's own mmap lock. */
function ownFaultWaiters(process: ProcessInfo, classifier: Classifier): Fact {
  return ownWaiters(process, classifier, (c) => c.signature.context === 'page_fault' && c.signature.wait_class.startsWith('mmap_lock'));
}

/** Threads of a process queued to take its own mmap lock for write (mmap, munmap, mprotect, brk). */
function ownWriters(process: ProcessInfo, classifier: Classifier): Fact {
  return ownWaiters(process, classifier, (c) => c.signature.wait_class === 'mmap_lock_write');
}

/** D threads of a process whose stack classification passes `matches`; unknown when no D stack could be read. */
function ownWaiters(process: ProcessInfo, classifier: Classifier, matches: (c: Classification) => boolean): Fact {
  const dThreads = process.threads.filter((t) => t.state === 'D');
  const unreadable = dThreads.filter((t) => t.stack && !t.stack.ok && t.stack.reason !== 'ENOENT');
  if (dThreads.length > 0 && unreadable.length === dThreads.length) {
    return unknown(stackUnreadableReason(unreadable.map((thread) => ({ process, thread })))!);
  }
  const waiters = dThreads.filter((t) => {
    const c = classifier.classify(t);
    return c !== null && matches(c);
  });
  return known(waiters.length, stackSamples(waiters.map((thread) => ({ process, thread })), classifier), 'threads');
}

/** Evidence of a classified stack: the frames that decided it, with their line in the stack file. */
function stackSamples(list: BlockedThread[], classifier: Classifier): SourceRef[] {
  return sampleDistinct(list, (b) => b.process.comm).flatMap((b) => {
    const c = classifier.classify(b.thread);
    if (!c) return [];
    return c.frames.map((f) => ({ path: procPath(b.thread.stackPath), line: f.line, excerpt: frameText(f.text) }));
  });
}

function statSamples<T>(list: T[], thread: (item: T) => { statPath: string; statText: string; comm: string }): SourceRef[] {
  return sampleDistinct(list, (item) => thread(item).comm).map((item) => {
    const t = thread(item);
    return { path: procPath(t.statPath), line: 1, excerpt: clip(t.statText) };
  });
}

function reasonOf(thread: ThreadInfo): string {
  return thread.stack && !thread.stack.ok ? thread.stack.reason : 'not read';
}

function stackUnreadableReason(unreadable: BlockedThread[]): string | null {
  if (unreadable.length === 0) return null;
  const codes = [...new Set(unreadable.map((u) => reasonOf(u.thread)))].sort();
  const hint = codes.includes('EACCES') || codes.includes('EPERM') ? ' (reading /proc/PID/stack needs root)' : '';
  return `stacks of ${unreadable.length} blocked threads unreadable: ${codes.join(', ')}${hint}`;
}

/** stat lines are long; evidence quotes the part up to the state and ppid. */
function clip(statText: string): string {
  const close = statText.lastIndexOf(')');
  const end = close === -1 ? 80 : close + 12;
  return statText.length > end ? `${statText.slice(0, end).trimEnd()} ...` : statText;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** A stack line without its "[<ffffffff81264a14>] " address: the address says nothing a reader needs. */
function frameText(line: string): string {
  return line.replace(/^\[<[0-9a-fA-F]+>\]\s*/, '');
}
