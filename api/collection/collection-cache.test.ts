import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCollectionLookup, LruMap, singleFlight, type CollectionLookupDeps } from './collection-cache.js';

test('LruMap evicts the least recently used entry', () => {
  const lru = new LruMap<string, number>(2);
  lru.set('a', 1);
  lru.set('b', 2);
  assert.equal(lru.get('a'), 1); // a is now the most recent
  lru.set('c', 3);
  assert.equal(lru.get('b'), undefined);
  assert.equal(lru.get('a'), 1);
  assert.equal(lru.get('c'), 3);
  assert.equal(lru.size, 2);
  assert.throws(() => new LruMap(0), RangeError);
});

test('singleFlight shares one load per key while it runs, then loads again', async () => {
  const flights = singleFlight<string, number>();
  let loads = 0;
  const load = async () => {
    const mine = ++loads;
    await new Promise((r) => setImmediate(r));
    return mine;
  };
  assert.deepEqual(await Promise.all([flights.run('k', load), flights.run('k', load), flights.run('j', load)]), [1, 1, 2]);
  assert.equal(await flights.run('k', load), 3);
});

interface Row { id: string; name: string; alias: string | null; languages: string[]; checkpoint: { location: string } }

/** A stand-in for prisma.collection.findUnique over `rows`, counting calls. */
function fakeCollections(rows: Row[]) {
  const calls: Array<Record<string, string>> = [];
  const prisma = {
    collection: {
      async findUnique({ where }: { where: { name?: string; alias?: string } }) {
        calls.push(where as Record<string, string>);
        await new Promise((r) => setImmediate(r));
        const row = rows.find((r) => (where.name !== undefined ? r.name === where.name : r.alias === where.alias));
        return row ? structuredClone(row) : null;
      },
    },
  } as unknown as CollectionLookupDeps['prisma'];
  return { prisma, calls };
}

const row = (name: string, alias: string | null = null): Row => ({ id: `id-${name}`, name, alias, languages: ['en', 'de'], checkpoint: { location: `/ck/${name}` } });

test('names are cached after the first read; misses are not', async () => {
  const rows = [row('one')];
  const { prisma, calls } = fakeCollections(rows);
  const lookup = createCollectionLookup({ prisma, aliasTtlMs: 1000 });
  const expected = { id: 'id-one', name: 'one', alias: null, checkpointLocation: '/ck/one', languages: ['en', 'de'] };
  assert.deepEqual(await lookup.byName('one'), expected);
  assert.deepEqual(await lookup.byName('one'), expected);
  assert.equal(calls.length, 1);
  assert.equal(await lookup.byName('two'), undefined);
  rows.push(row('two'));
  assert.equal((await lookup.byName('two'))?.checkpointLocation, '/ck/two');
  assert.equal(calls.length, 3);
});

test('concurrent lookups of one key share one query', async () => {
  const { prisma, calls } = fakeCollections([row('one', 'live')]);
  const lookup = createCollectionLookup({ prisma, aliasTtlMs: 1000 });
  const results = await Promise.all([lookup.byName('one'), lookup.byName('one'), lookup.byAlias('live'), lookup.byAlias('live')]);
  assert.ok(results.every((r) => r?.id === 'id-one'));
  assert.deepEqual(calls, [{ name: 'one' }, { alias: 'live' }]);
});

test('names beyond maxEntries evict the least recently used', async () => {
  const { prisma, calls } = fakeCollections([row('a'), row('b'), row('c')]);
  const lookup = createCollectionLookup({ prisma, aliasTtlMs: 1000, maxEntries: 2 });
  for (const name of ['a', 'b', 'a', 'c', 'a', 'b']) await lookup.byName(name);
  // a, b read; a hit; c read (evicts b); a hit; b read again.
  assert.deepEqual(calls.map((c) => c.name), ['a', 'b', 'c', 'b']);
});

test('alias entries expire after aliasTtlMs and invalidateAliases drops them at once', async () => {
  const rows = [row('one', 'live'), row('two')];
  const { prisma, calls } = fakeCollections(rows);
  let clock = 0;
  const lookup = createCollectionLookup({ prisma, aliasTtlMs: 100, now: () => clock });
  assert.equal((await lookup.byAlias('live'))?.name, 'one');
  rows[0]!.alias = null;
  rows[1]!.alias = 'live';
  clock = 99;
  assert.equal((await lookup.byAlias('live'))?.name, 'one', 'still fresh');
  clock = 100;
  assert.equal((await lookup.byAlias('live'))?.name, 'two', 'expired and read again');
  rows[1]!.alias = null;
  rows[0]!.alias = 'live';
  lookup.invalidateAliases();
  assert.equal((await lookup.byAlias('live'))?.name, 'one');
  assert.equal(calls.length, 3);
  assert.equal(await lookup.byAlias('gone'), undefined);
  assert.equal(await lookup.byAlias('gone'), undefined);
  assert.equal(calls.length, 5, 'missing aliases are not cached');
});

test('an alias read in flight when invalidateAliases is called is not cached, nor shared with later callers', async () => {
  const rows = [row('one', 'live'), row('two')];
  const { prisma, calls } = fakeCollections(rows);
  const lookup = createCollectionLookup({ prisma, aliasTtlMs: 60_000 });
  const early = lookup.byAlias('live');
  // promote moves the alias while the read above may already have seen the old row.
  lookup.invalidateAliases();
  const late = lookup.byAlias('live');
  rows[0]!.alias = null;
  rows[1]!.alias = 'live';
  await Promise.all([early, late]);
  assert.equal(calls.length, 2, 'the later caller started its own read');
  assert.equal((await lookup.byAlias('live'))?.name, (await late)?.name);
});
