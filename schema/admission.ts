// Which held training jobs enter the work queue next. JetStream 2.9 has no priority groups and a
// consumer serves its messages in order, so priority and fairness cannot be had from the queue
// itself: TRAIN jobs wait in the database and only a few per worker class sit in the queue at a
// time. Whenever a slot frees (a worker starts or settles a training, a run is started or
// cancelled, and on the gateway's outbox tick) the best held job is admitted: higher priority
// first, then the share key (API key) with the fewest trainings queued or running, then the
// oldest. A sweep's trials also stop at the sweep's maxParallel. Interactive jobs never come
// here: they have their own class and consumer.

import type { WorkerClass } from './capabilities.js';

export const PRIORITY_RANGE = [-10, 10] as const;
/** Trainers may lower their runs' priority; raising it above this takes an admin key. */
export const MAX_TRAINER_PRIORITY = 0;
export const DEFAULT_TRAINING_QUEUE_DEPTH = 2;

export interface TrainingEntry {
  id: string;
  state: 'held' | 'admitted' | 'running';
  workerClass: WorkerClass;
  priority: number;
  /** Who the share is counted for: the API key that started the run ("open" without keys). */
  share: string;
  /** A sweep (experiment) whose parallelism is capped; null: no cap. */
  group: string | null;
  createdAt: number;
  /** Tie-break among jobs created together (a sweep's trials, in trial order). */
  key: string;
}

export interface AdmissionLimits {
  /** Admitted jobs not yet started, per worker class. */
  depth: number;
  /** Trainings admitted or running per group at most. */
  groupCaps: ReadonlyMap<string, number>;
}

/** Ids to admit now, in the order to publish them. */
export function chooseAdmissions(entries: readonly TrainingEntry[], limits: AdmissionLimits): string[] {
  const waiting = new Map<WorkerClass, number>();
  const shareLoad = new Map<string, number>();
  const groupLoad = new Map<string, number>();
  const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const e of entries) {
    if (e.state === 'held') continue;
    if (e.state === 'admitted') bump(waiting, e.workerClass);
    bump(shareLoad, e.share);
    if (e.group !== null) bump(groupLoad, e.group);
  }
  const held = entries.filter((e) => e.state === 'held');
  const chosen: string[] = [];
  const taken = new Set<string>();
  for (;;) {
    let best: TrainingEntry | undefined;
    for (const e of held) {
      if (taken.has(e.id) || (waiting.get(e.workerClass) ?? 0) >= limits.depth) continue;
      const cap = e.group === null ? undefined : limits.groupCaps.get(e.group);
      if (cap !== undefined && (groupLoad.get(e.group!) ?? 0) >= cap) continue;
      if (!best || before(e, best, shareLoad)) best = e;
    }
    if (!best) return chosen;
    taken.add(best.id);
    chosen.push(best.id);
    bump(waiting, best.workerClass);
    bump(shareLoad, best.share);
    if (best.group !== null) bump(groupLoad, best.group);
  }
}

function before(a: TrainingEntry, b: TrainingEntry, shareLoad: ReadonlyMap<string, number>): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  const loadA = shareLoad.get(a.share) ?? 0;
  const loadB = shareLoad.get(b.share) ?? 0;
  if (loadA !== loadB) return loadA < loadB;
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt;
  return a.key < b.key;
}
