import type { SignatureCatalog } from '../signatures/catalog.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { cpuLoadFacts } from './cpu-load.js';
import type { FactMap, FactSet } from './fact.js';
import { kernelFacts } from './kernel.js';
import { memoryFacts } from './memory.js';
import { buildTaskTable, type TaskTable } from './task-table.js';
import { Classifier, processEntities, procTargetEntities, taskFacts } from './tasks.js';
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
  const entities = {
    proc_target: procTargetEntities(table, classifier, facts),
    process: processEntities(table, classifier),
    zone: zoneEntities(snapshot, facts),
  };
  return { facts, entities, problems: table.problems };
}
