import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSearchStats, tally, type SearchOutcome, type SearchStatsDeps } from './search-stats.js';

test('tally sums searches, hits and same-language hits per collection', () => {
  const totals = tally([
    { collectionId: 'a', queryLanguage: 'en', hits: [{ language: 'en' }, { language: 'de' }] },
    { collectionId: 'a', queryLanguage: 'en', hits: [] },
    { collectionId: 'b', queryLanguage: 'de', hits: [{ language: 'de' }] },
  ]);
  assert.deepEqual(Object.fromEntries(totals), {
    a: { searches: 2, hits: 2, hitsInQueryLanguage: 1 },
    b: { searches: 1, hits: 1, hitsInQueryLanguage: 1 },
  });
});

type Write = [collectionId: string, searches: number, hits: number, hitsInQueryLanguage: number];

/** A stand-in for prisma.$executeRaw that keeps the values of each write; `gate` holds writes back. */
function fakeWriter() {
  const writes: Write[] = [];
  const state = { active: 0, maxActive: 0, failNext: 0, gate: undefined as Promise<void> | undefined };
  const prisma = {
    async $executeRaw(_strings: TemplateStringsArray, ...values: unknown[]) {
      state.active += 1;
      state.maxActive = Math.max(state.maxActive, state.active);
      try {
        await state.gate;
        if (state.failNext > 0) {
          state.failNext -= 1;
          throw new Error('connection reset');
        }
        writes.push(values as Write);
        return 1;
      } finally {
        state.active -= 1;
      }
    },
  } as unknown as SearchStatsDeps['prisma'];
  return { prisma, writes, state };
}

const search = (collectionId: string, queryLanguage: string, ...languages: string[]): SearchOutcome => ({
  collectionId,
  queryLanguage,
  hits: languages.map((language) => ({ language })),
});

const make = (prisma: SearchStatsDeps['prisma'], log: (line: string) => void = () => {}) =>
  createSearchStats({ prisma, flushMs: 60_000, log });

test('record only counts in memory; flush writes one add per collection and clears it', async () => {
  const { prisma, writes } = fakeWriter();
  const stats = make(prisma);
  stats.record([search('a', 'en', 'en', 'de'), search('b', 'de', 'de')]);
  stats.record([search('a', 'en')]);
  assert.equal(writes.length, 0);
  assert.deepEqual(stats.pending('a'), { searches: 2, hits: 2, hitsInQueryLanguage: 1 });
  assert.equal(stats.pending('c'), undefined);
  await stats.flush();
  assert.deepEqual(writes.sort(), [['a', 2, 2, 1], ['b', 1, 1, 1]]);
  assert.equal(stats.pending('a'), undefined);
  await stats.flush();
  assert.equal(writes.length, 2, 'nothing pending, nothing written');
  await stats.stop();
});

test('a failed write keeps its counts; the next flush writes them once', async () => {
  const { prisma, writes, state } = fakeWriter();
  const stats = make(prisma);
  stats.record([search('a', 'en', 'en'), search('b', 'en', 'de')]);
  state.failNext = 1;
  await assert.rejects(stats.flush(), /connection reset/);
  assert.deepEqual(writes, [['b', 1, 1, 0]], 'the other collection was still written');
  assert.deepEqual(stats.pending('a'), { searches: 1, hits: 1, hitsInQueryLanguage: 1 });
  assert.equal(stats.pending('b'), undefined);
  await stats.flush();
  await stats.flush();
  assert.deepEqual(writes, [['b', 1, 1, 0], ['a', 1, 1, 1]]);
  await stats.stop();
});

test('counts recorded while a flush is writing stay pending for the next one', async () => {
  const { prisma, writes, state } = fakeWriter();
  const stats = make(prisma);
  let open!: () => void;
  state.gate = new Promise((resolve) => (open = resolve));
  stats.record([search('a', 'en', 'en')]);
  const flushing = stats.flush();
  stats.record([search('a', 'en', 'de'), search('a', 'en')]);
  assert.deepEqual(stats.pending('a'), { searches: 3, hits: 2, hitsInQueryLanguage: 1 }, 'in-flight counts still pending');
  open();
  await flushing;
  assert.deepEqual(writes, [['a', 1, 1, 1]]);
  assert.deepEqual(stats.pending('a'), { searches: 2, hits: 1, hitsInQueryLanguage: 0 });
  await stats.stop();
  assert.deepEqual(writes, [['a', 1, 1, 1], ['a', 2, 1, 0]]);
});

test('concurrent flush calls never write at the same time and each covers what was recorded before it', async () => {
  const { prisma, writes, state } = fakeWriter();
  const stats = make(prisma);
  let open!: () => void;
  state.gate = new Promise((resolve) => (open = resolve));
  stats.record([search('a', 'en')]);
  const first = stats.flush();
  stats.record([search('b', 'en')]);
  const second = stats.flush();
  const third = stats.flush();
  open();
  await Promise.all([first, second, third]);
  assert.equal(state.maxActive, 1);
  assert.deepEqual(writes, [['a', 1, 0, 0], ['b', 1, 0, 0]]);
  await stats.stop();
});

test('the timer flushes on its own and logs a failure instead of throwing', async () => {
  const { prisma, writes, state } = fakeWriter();
  const lines: string[] = [];
  const stats = createSearchStats({ prisma, flushMs: 5, log: (line) => lines.push(line) });
  state.failNext = 1;
  stats.record([search('a', 'en', 'en')]);
  for (let i = 0; i < 400 && writes.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(writes, [['a', 1, 1, 1]]);
  assert.match(lines[0] ?? '', /search stats flush failed.*connection reset/);
  await stats.stop();
});
