import type { SignatureCatalog } from '../signatures/catalog.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { cpuLoadFacts } from './cpu-load.js';
import type { FactMap, FactSet } from './fact.js';
import { kernelFacts } from './kernel.js';
import { kernelLogFacts } from './kernel-log.js';
import { limitFacts } from './limits.js';
import { memoryFacts } from './memory.js';
import { buildTaskTable, type TaskTable } from './task-table.js';
import { Classifier, commandEntities, notInIoWaitFact, processEntities, procTargetEntities, taskFacts, threadEntities } from './tasks.js';
import { vmFacts } from './vm.js';
import { zoneEntities } from './zones.js';

export interface ComputedFacts extends FactSet {
  /** Files that were read but could not be parsed, with why. */
  problems: TaskTable['problems'];
}

/** Every fact and entity, computed before any rule runs: a pure function of the snapshot and the signature catalog. */
export function computeFacts(snapshot: Snapshot, catalog: SignatureCatalog): ComputedFacts {
  const facts: FactMap = new Map();
  cpuLoadFacts(snapshot, facts);
  memoryFacts(snapshot, facts);
  kernelFacts(snapshot, facts);
  const table = buildTaskTable(snapshot);
  const classifier = new Classifier(catalog);
  taskFacts(table, classifier, catalog, facts);
  notInIoWaitFact(facts);
  vmFacts(snapshot, facts);
  kernelLogFacts(snapshot, catalog, facts);
  limitFacts(facts);
  const entities = {
    proc_target: procTargetEntities(table, classifier, facts),
    process: processEntities(table, classifier),
    command: commandEntities(table),
    thread: threadEntities(table, classifier),
    zone: zoneEntities(snapshot, facts),
  };
  const gaps = entityGaps(snapshot, table);
  const zones = facts.get('zones.count');
  if (zones && !zones.ok) gaps.zone = `no zones: ${zones.reason}`;
  return { facts, entities, gaps, problems: table.problems };
}

/** Why an entity list may miss members: rules over it then report "not evaluated" with this reason. */
function entityGaps(snapshot: Snapshot, table: TaskTable): FactSet['gaps'] {
  const gaps: FactSet['gaps'] = {};
  const missing: string[] = [];
  if (table.fdsUnreadable.length > 0) {
    const codes = [...new Set(table.fdsUnreadable.map((f) => f.error))].sort();
    const hint = codes.includes('EACCES') || codes.includes('EPERM') ? ' (reading other users\' fd links needs root)' : '';
    missing.push(`fd links of ${table.fdsUnreadable.length} processes with blocked threads unreadable: ${codes.join(', ')}${hint}`);
  }
  if (snapshot.run.deadlinePassed) {
    missing.push(`the ${snapshot.run.deadlineMs} ms deadline passed${snapshot.run.pidsNotRead > 0 ? ` with ${snapshot.run.pidsNotRead} processes not read` : ' before every stack and cmdline was read'}`);
  }
  if (missing.length > 0) {
    gaps.proc_target = `some blocked /proc readers may be missing: ${missing.join('; ')}`;
  }
  if (snapshot.run.deadlinePassed && snapshot.run.pidsNotRead > 0) {
    gaps.process = `the ${snapshot.run.deadlineMs} ms deadline passed with ${snapshot.run.pidsNotRead} processes not read`;
  }
  return gaps;
}
