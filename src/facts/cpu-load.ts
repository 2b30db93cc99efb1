import { parseLoadavg } from '../parsers/loadavg.js';
import { parseStat, type CpuTimes } from '../parsers/stat.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { known, unknown, type FactMap, type SourceRef } from './fact.js';
import { lineRef, parseFile } from './read.js';

/**
 * CPU and load facts: cpu.count from the cpuN lines of /proc/stat; utilisation shares over the
 * interval between the two /proc/stat samples, or since boot when both samples are the same text
 * (a static tree); load averages from /proc/loadavg and load per CPU.
 */
export function cpuLoadFacts(snapshot: Snapshot, facts: FactMap): void {
  const stat = parseFile(snapshot, 'stat', parseStat);
  if (!stat.ok) {
    for (const name of [...CPU_FACTS, 'tasks.procsRunning', 'tasks.procsBlocked', 'cpu.runQueuePerCpu']) facts.set(name, unknown(stat.reason));
  } else {
    const cpuLines = stat.value.cpus;
    const cpuSources: SourceRef[] = [{ path: '/proc/stat', excerpt: `${cpuLines.length} cpuN lines` }];
    facts.set('cpu.count', cpuLines.length > 0 ? known(cpuLines.length, cpuSources, 'cpus') : unknown('/proc/stat: no cpuN lines'));
    utilisationFacts(snapshot, stat.value.total, stat.text, facts);
    const counter = (name: string, key: 'procs_running' | 'procs_blocked', value: number | null): void => {
      facts.set(name, value === null ? unknown(`/proc/stat has no ${key} line (older kernel)`) : known(value, [lineRef('stat', stat.text, stat.value.lines[key]!)], 'tasks'));
    };
    counter('tasks.procsRunning', 'procs_running', stat.value.procsRunning);
    counter('tasks.procsBlocked', 'procs_blocked', stat.value.procsBlocked);
    const running = facts.get('tasks.procsRunning')!;
    const cpus = facts.get('cpu.count')!;
    facts.set(
      'cpu.runQueuePerCpu',
      !running.ok
        ? unknown(running.reason)
        : !cpus.ok
          ? unknown(cpus.reason)
          : known(round(Number(running.value) / Number(cpus.value), 2), [...running.sources, ...cpus.sources], 'tasks per cpu'),
    );
  }

  const load = parseFile(snapshot, 'loadavg', parseLoadavg);
  if (!load.ok) {
    for (const name of LOAD_FACTS) facts.set(name, unknown(load.reason));
    return;
  }
  const ref = [lineRef('loadavg', load.text, 1)];
  facts.set('load.load1', known(load.value.load1, ref, 'tasks'));
  facts.set('load.load5', known(load.value.load5, ref, 'tasks'));
  facts.set('load.load15', known(load.value.load15, ref, 'tasks'));
  facts.set('load.runnable', known(load.value.runnable, ref, 'tasks'));
  const cpus = facts.get('cpu.count');
  facts.set(
    'load.perCpu',
    cpus?.ok
      ? known(round(load.value.load1 / Number(cpus.value), 2), [...ref, ...cpus.sources], 'tasks per cpu')
      : unknown(`needs cpu.count: ${cpus && !cpus.ok ? cpus.reason : 'unknown'}`),
  );
}

const CPU_FACTS = ['cpu.count', 'cpu.idleRatio', 'cpu.userRatio', 'cpu.systemRatio', 'cpu.iowaitRatio', 'cpu.stealRatio', 'cpu.sampleBasis'];
const LOAD_FACTS = ['load.load1', 'load.load5', 'load.load15', 'load.runnable', 'load.perCpu'];

function utilisationFacts(snapshot: Snapshot, first: CpuTimes, firstText: string, facts: FactMap): void {
  const second = snapshot.statSecond;
  let basis = 'since-boot';
  let delta = first;
  const sources = [lineRef('stat', firstText, first.line)];
  if (second?.read.ok && second.read.text !== firstText) {
    try {
      const later = parseStat(second.read.text, '/proc/stat').total;
      delta = subtract(later, first);
      basis = `interval of ${second.intervalMs} ms`;
      sources.push({ path: '/proc/stat', line: later.line, excerpt: `second sample after ${second.intervalMs} ms` });
    } catch {
      // A second sample that does not parse leaves the since-boot shares, which is still true.
    }
  }
  const total = busy(delta) + delta.idle + (delta.iowait ?? 0);
  if (total <= 0) {
    for (const name of CPU_FACTS.slice(1)) facts.set(name, unknown('/proc/stat: no CPU time elapsed between samples'));
    return;
  }
  const share = (ticks: number | null): number => round((ticks ?? 0) / total, 3);
  facts.set('cpu.sampleBasis', known(basis, sources));
  facts.set('cpu.idleRatio', known(share(delta.idle + (delta.iowait ?? 0)), sources, 'ratio'));
  facts.set('cpu.userRatio', known(share(delta.user + delta.nice), sources, 'ratio'));
  facts.set('cpu.systemRatio', known(share(delta.system + (delta.irq ?? 0) + (delta.softirq ?? 0)), sources, 'ratio'));
  facts.set('cpu.iowaitRatio', known(share(delta.iowait), sources, 'ratio'));
  facts.set('cpu.stealRatio', known(share(delta.steal), sources, 'ratio'));
}

/** Guest time is already inside user and nice, so it is not added again. */
function busy(t: CpuTimes): number {
  return t.user + t.nice + t.system + (t.irq ?? 0) + (t.softirq ?? 0) + (t.steal ?? 0);
}

function subtract(a: CpuTimes, b: CpuTimes): CpuTimes {
  const d = (x: number | null, y: number | null): number | null => (x === null || y === null ? null : Math.max(0, x - y));
  return {
    user: d(a.user, b.user) ?? 0,
    nice: d(a.nice, b.nice) ?? 0,
    system: d(a.system, b.system) ?? 0,
    idle: d(a.idle, b.idle) ?? 0,
    iowait: d(a.iowait, b.iowait),
    irq: d(a.irq, b.irq),
    softirq: d(a.softirq, b.softirq),
    steal: d(a.steal, b.steal),
    guest: d(a.guest, b.guest),
    guestNice: d(a.guestNice, b.guestNice),
    line: a.line,
  };
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
