// Live-traffic language bias: per collection, how many of the returned top-k hits were in the
// query's language. Searches add to in-memory counters (no I/O on the search path); a timer writes
// them with one INSERT ... ON CONFLICT per collection that adds to the stored counters in place,
// so several gateways never lose an increment (no read-modify-write).

import type { PrismaClient } from '../../prisma/generated/client.js';

export interface SearchOutcome {
  collectionId: string;
  queryLanguage: string;
  hits: ReadonlyArray<{ language: string }>;
}

export interface Tally {
  searches: number;
  hits: number;
  hitsInQueryLanguage: number;
}

/** How often the gateway writes its counters. */
export const DEFAULT_STATS_FLUSH_MS = 1000;

const zero = (): Tally => ({ searches: 0, hits: 0, hitsInQueryLanguage: 0 });

/** Adds `t` into `into` (sign -1 takes it away). */
export function addTally(into: Tally, t: Tally, sign: 1 | -1 = 1): Tally {
  into.searches += sign * t.searches;
  into.hits += sign * t.hits;
  into.hitsInQueryLanguage += sign * t.hitsInQueryLanguage;
  return into;
}

const isZero = (t: Tally) => t.searches === 0 && t.hits === 0 && t.hitsInQueryLanguage === 0;

/** Sums outcomes per collection. */
export function tally(outcomes: readonly SearchOutcome[]): Map<string, Tally> {
  const totals = new Map<string, Tally>();
  for (const { collectionId, queryLanguage, hits } of outcomes) {
    const t = totals.get(collectionId) ?? zero();
    t.searches += 1;
    t.hits += hits.length;
    t.hitsInQueryLanguage += hits.filter((h) => h.language === queryLanguage).length;
    totals.set(collectionId, t);
  }
  return totals;
}

type StatsWriter = Pick<PrismaClient, '$executeRaw'>;

/** Adds one collection's tally to its stored row. */
function writeTally(prisma: StatsWriter, collectionId: string, t: Tally): Promise<number> {
  return prisma.$executeRaw`
    INSERT INTO "CollectionSearchStats" ("collectionId", "searches", "hits", "hitsInQueryLanguage", "updatedAt")
    VALUES (${collectionId}, ${t.searches}, ${t.hits}, ${t.hitsInQueryLanguage}, now())
    ON CONFLICT ("collectionId") DO UPDATE SET
      "searches" = "CollectionSearchStats"."searches" + EXCLUDED."searches",
      "hits" = "CollectionSearchStats"."hits" + EXCLUDED."hits",
      "hitsInQueryLanguage" = "CollectionSearchStats"."hitsInQueryLanguage" + EXCLUDED."hitsInQueryLanguage",
      "updatedAt" = now()`;
}

export interface SearchStats {
  /** Adds outcomes to in-memory counters; no I/O. */
  record(outcomes: readonly SearchOutcome[]): void;
  /**
   * Counts recorded but not yet written, for one collection (languageBias adds them to the stored
   * row). A write in flight still counts here until it has returned, so for that moment a reader
   * may see its counts twice, never zero times.
   */
  pending(collectionId: string): Tally | undefined;
  /**
   * Writes pending counters (one INSERT ... ON CONFLICT add per collection) and clears what was
   * written; a failed write keeps its counts for the next flush (never lost, never double-counted)
   * and, after the other collections were tried, rejects with the first error. Concurrent flush
   * calls serialise: a call made while one runs waits for it, then writes what is pending then.
   */
  flush(): Promise<void>;
  /** Stops the timer and flushes: durable across a clean stop. Rejects if that last write fails. */
  stop(): Promise<void>;
}

export interface SearchStatsDeps {
  prisma: StatsWriter;
  flushMs: number;
  log: (line: string) => void;
}

export function createSearchStats({ prisma, flushMs, log }: SearchStatsDeps): SearchStats {
  // Recorded and not yet confirmed written. A flush writes a copy and, once the write returned,
  // takes exactly what it wrote away, so counts recorded meanwhile stay and a failed write
  // leaves everything in place.
  const counts = new Map<string, Tally>();
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;

  const flushOnce = async (): Promise<void> => {
    const batch = [...counts].map(([id, t]) => [id, { ...t }] as const);
    let failure: { error: unknown } | undefined;
    for (const [collectionId, t] of batch) {
      try {
        await writeTally(prisma, collectionId, t);
      } catch (error) {
        failure ??= { error };
        continue;
      }
      const left = addTally(counts.get(collectionId)!, t, -1);
      if (isZero(left)) counts.delete(collectionId);
    }
    if (failure) throw failure.error;
  };

  const start = (): Promise<void> => {
    const p = flushOnce().finally(() => {
      if (running === p) running = undefined;
    });
    running = p;
    return p;
  };

  const flush = (): Promise<void> => {
    if (queued) return queued;
    if (!running) return start();
    const next: Promise<void> = running
      .catch(() => {})
      .then(() => {
        queued = undefined;
        return start();
      });
    queued = next;
    return next;
  };

  const timer = setInterval(() => {
    if (counts.size === 0 || queued) return;
    flush().catch((error: unknown) => log(`search stats flush failed (counts kept for the next one): ${String(error)}`));
  }, flushMs);
  timer.unref();

  return {
    record(outcomes) {
      for (const [collectionId, t] of tally(outcomes)) {
        const into = counts.get(collectionId);
        if (into) addTally(into, t);
        else counts.set(collectionId, t);
      }
    },
    pending(collectionId) {
      const t = counts.get(collectionId);
      return t && { ...t };
    },
    flush,
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}
