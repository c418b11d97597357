// Live-traffic language bias: per collection, how many of the returned top-k hits were in the
// query's language. One INSERT ... ON CONFLICT per collection adds to the counters in place, so
// concurrent searches never lose an increment (no read-modify-write).

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

/** Sums outcomes per collection. */
export function tally(outcomes: readonly SearchOutcome[]): Map<string, Tally> {
  const totals = new Map<string, Tally>();
  for (const { collectionId, queryLanguage, hits } of outcomes) {
    const t = totals.get(collectionId) ?? { searches: 0, hits: 0, hitsInQueryLanguage: 0 };
    t.searches += 1;
    t.hits += hits.length;
    t.hitsInQueryLanguage += hits.filter((h) => h.language === queryLanguage).length;
    totals.set(collectionId, t);
  }
  return totals;
}

export async function recordSearches(prisma: PrismaClient, outcomes: readonly SearchOutcome[]): Promise<void> {
  for (const [collectionId, t] of tally(outcomes)) {
    await prisma.$executeRaw`
      INSERT INTO "CollectionSearchStats" ("collectionId", "searches", "hits", "hitsInQueryLanguage", "updatedAt")
      VALUES (${collectionId}, ${t.searches}, ${t.hits}, ${t.hitsInQueryLanguage}, now())
      ON CONFLICT ("collectionId") DO UPDATE SET
        "searches" = "CollectionSearchStats"."searches" + EXCLUDED."searches",
        "hits" = "CollectionSearchStats"."hits" + EXCLUDED."hits",
        "hitsInQueryLanguage" = "CollectionSearchStats"."hitsInQueryLanguage" + EXCLUDED."hitsInQueryLanguage",
        "updatedAt" = now()`;
  }
}
