// The search path's database stand-ins against a real Postgres database of their own: search
// stats counted in memory and written by flush/stop, and collection metadata cached by name
// (forever) and alias (for a TTL, or until invalidateAliases).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openDatabase, type Database } from '../prisma/db.js';
import { createTestDatabase, type TestDatabase } from '../prisma/testing.js';
import type { PrismaClient } from '../prisma/generated/client.js';
import { createSearchStats, type SearchOutcome } from '../api/collection/search-stats.js';
import { createCollectionLookup } from '../api/collection/collection-cache.js';

let database: TestDatabase;
let db: Database;
let checkpointId: string;
let made = 0;

before(async () => {
  database = await createTestDatabase();
  db = await openDatabase({ kind: 'postgres', url: database.url }, { migrate: true });
  const run = await db.prisma.run.create({
    data: {
      strategy: 'HYBRID', alpha: 0.5, model: {}, trainDatasets: ['mlqa-r'], languages: ['en', 'de'], seed: 1, hyperParameters: {},
    },
  });
  checkpointId = (await db.prisma.checkpoint.create({ data: { runId: run.id, step: 10, location: '/ck/run/step-10' } })).id;
});

after(async () => {
  await db?.close();
  await database?.drop();
});

const newCollection = async (alias: string | null = null) =>
  db.prisma.collection.create({ data: { name: `c${++made}`, alias, checkpointId, dataset: 'mlqa-r', languages: ['en', 'de'] } });

const stored = async (collectionId: string) => {
  const row = await db.prisma.collectionSearchStats.findUnique({ where: { collectionId } });
  return row && { searches: row.searches, hits: row.hits, hitsInQueryLanguage: row.hitsInQueryLanguage };
};

const search = (collectionId: string, queryLanguage: string, ...languages: string[]): SearchOutcome => ({
  collectionId,
  queryLanguage,
  hits: languages.map((language) => ({ language })),
});

/** db.prisma whose $executeRaw can be made to fail or wait; everything else passes through. */
function flakyWriter(prisma: PrismaClient) {
  const control = { failNext: 0, gate: undefined as Promise<void> | undefined, writes: 0 };
  const wrapper = {
    async $executeRaw(strings: TemplateStringsArray, ...values: unknown[]) {
      await control.gate;
      if (control.failNext > 0) {
        control.failNext -= 1;
        throw new Error('injected write failure');
      }
      control.writes += 1;
      return prisma.$executeRaw(strings, ...values);
    },
  } as unknown as PrismaClient;
  return { wrapper, control };
}

/** db.prisma whose collection.findUnique calls are counted. */
function countingReader(prisma: PrismaClient) {
  const counter = { queries: 0 };
  const wrapper = {
    collection: {
      findUnique: (args: Parameters<PrismaClient['collection']['findUnique']>[0]) => {
        counter.queries += 1;
        return prisma.collection.findUnique(args);
      },
    },
  } as unknown as PrismaClient;
  return { wrapper, counter };
}

test('stats: counts are only in memory until stop(), which writes them to the table', async () => {
  const a = await newCollection();
  const b = await newCollection();
  const stats = createSearchStats({ prisma: db.prisma, flushMs: 60_000, log: () => {} });
  stats.record([search(a.id, 'en', 'en', 'de', 'en'), search(b.id, 'de', 'en')]);
  stats.record([search(a.id, 'de', 'de')]);
  assert.deepEqual(stats.pending(a.id), { searches: 2, hits: 4, hitsInQueryLanguage: 3 });
  assert.equal(await stored(a.id), null, 'record does no I/O');
  await stats.stop();
  assert.deepEqual(await stored(a.id), { searches: 2, hits: 4, hitsInQueryLanguage: 3 });
  assert.deepEqual(await stored(b.id), { searches: 1, hits: 1, hitsInQueryLanguage: 0 });
  assert.equal(stats.pending(a.id), undefined);
});

test('stats: flushes add to the stored row in place', async () => {
  const a = await newCollection();
  const stats = createSearchStats({ prisma: db.prisma, flushMs: 60_000, log: () => {} });
  stats.record([search(a.id, 'en', 'en')]);
  await stats.flush();
  stats.record([search(a.id, 'en', 'de')]);
  await stats.stop();
  assert.deepEqual(await stored(a.id), { searches: 2, hits: 2, hitsInQueryLanguage: 1 });
});

test('stats: a failed flush keeps the counts and the next flush writes them exactly once', async () => {
  const a = await newCollection();
  const { wrapper, control } = flakyWriter(db.prisma);
  const stats = createSearchStats({ prisma: wrapper, flushMs: 60_000, log: () => {} });
  stats.record([search(a.id, 'en', 'en', 'de')]);
  control.failNext = 1;
  await assert.rejects(stats.flush(), /injected write failure/);
  assert.equal(await stored(a.id), null);
  assert.deepEqual(stats.pending(a.id), { searches: 1, hits: 2, hitsInQueryLanguage: 1 });
  await stats.flush();
  await stats.flush();
  await stats.stop();
  assert.equal(control.writes, 1);
  assert.deepEqual(await stored(a.id), { searches: 1, hits: 2, hitsInQueryLanguage: 1 });
});

test('stats: searches recorded during an in-flight flush are not lost', async () => {
  const a = await newCollection();
  const { wrapper, control } = flakyWriter(db.prisma);
  const stats = createSearchStats({ prisma: wrapper, flushMs: 60_000, log: () => {} });
  let open!: () => void;
  control.gate = new Promise((resolve) => (open = resolve));
  stats.record([search(a.id, 'en', 'en')]);
  const flushing = stats.flush();
  const concurrent = stats.flush();
  stats.record([search(a.id, 'en', 'de'), search(a.id, 'de', 'de')]);
  open();
  await flushing;
  await concurrent;
  await stats.stop();
  assert.deepEqual(await stored(a.id), { searches: 3, hits: 3, hitsInQueryLanguage: 2 });
  assert.equal(stats.pending(a.id), undefined);
});

test('stats: the timer writes without a flush call', async () => {
  const a = await newCollection();
  const stats = createSearchStats({ prisma: db.prisma, flushMs: 10, log: () => {} });
  stats.record([search(a.id, 'en', 'en')]);
  for (let i = 0; i < 500 && stats.pending(a.id) !== undefined; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(await stored(a.id), { searches: 1, hits: 1, hitsInQueryLanguage: 1 });
  await stats.stop();
});

test('lookup: a name is read once with its checkpoint location, then served from memory', async () => {
  const c = await newCollection('lookup-live');
  const { wrapper, counter } = countingReader(db.prisma);
  const lookup = createCollectionLookup({ prisma: wrapper, aliasTtlMs: 60_000 });
  const expected = { id: c.id, name: c.name, alias: 'lookup-live', checkpointLocation: '/ck/run/step-10', languages: c.languages };
  assert.deepEqual(await lookup.byName(c.name), expected);
  assert.equal(counter.queries, 1);
  assert.deepEqual(await lookup.byName(c.name), expected);
  assert.equal(counter.queries, 1, 'second lookup does not hit the database');
  await Promise.all([lookup.byAlias('lookup-live'), lookup.byAlias('lookup-live')]);
  assert.equal(counter.queries, 2, 'concurrent alias lookups share one query');
  assert.deepEqual(await lookup.byAlias('lookup-live'), expected);
  assert.equal(counter.queries, 2);
});

test('lookup: a missing name is not cached', async () => {
  const { wrapper, counter } = countingReader(db.prisma);
  const lookup = createCollectionLookup({ prisma: wrapper, aliasTtlMs: 60_000 });
  const name = `c${made + 1}`;
  assert.equal(await lookup.byName(name), undefined);
  const c = await newCollection();
  assert.equal(c.name, name);
  assert.equal((await lookup.byName(name))?.id, c.id);
  assert.equal(counter.queries, 2);
});

test('lookup: a re-pointed alias is seen after the TTL expires, and at once after invalidateAliases()', async () => {
  const first = await newCollection('lookup-moving');
  const second = await newCollection();
  const { wrapper, counter } = countingReader(db.prisma);
  let clock = 1_000;
  const lookup = createCollectionLookup({ prisma: wrapper, aliasTtlMs: 500, now: () => clock });
  const repoint = async (from: string, to: string) => {
    await db.prisma.$transaction([
      db.prisma.collection.update({ where: { id: from }, data: { alias: null } }),
      db.prisma.collection.update({ where: { id: to }, data: { alias: 'lookup-moving' } }),
    ]);
  };

  assert.equal((await lookup.byAlias('lookup-moving'))?.id, first.id);
  await repoint(first.id, second.id); // by "another gateway"
  clock += 499;
  assert.equal((await lookup.byAlias('lookup-moving'))?.id, first.id, 'within the TTL the cached row answers');
  assert.equal(counter.queries, 1);
  clock += 1;
  assert.equal((await lookup.byAlias('lookup-moving'))?.id, second.id, 'after the TTL the alias is read again');
  assert.equal(counter.queries, 2);

  await repoint(second.id, first.id); // by this gateway's promote
  lookup.invalidateAliases();
  assert.equal((await lookup.byAlias('lookup-moving'))?.id, first.id);
  assert.equal(counter.queries, 3);
  assert.equal((await lookup.byName(first.name))?.checkpointLocation, '/ck/run/step-10');
  assert.equal(counter.queries, 3, 'names stay cached across invalidateAliases()');
});
