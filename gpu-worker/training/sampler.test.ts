import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobError } from '../../schema/jobs.js';
import { createRandom, sampleDistinct } from './random.js';
import { splitGroups } from './sampler-split.js';
import { compositionOf, createBatchSampler, largestBatch, type Batch, type ParallelGroup, type ParallelSource } from './sampler.js';

const LANGUAGES = ['en', 'de', 'es', 'fr'];

/** Groups in every language, except every fifth group, which lacks fr and es. */
function source(name: string, size: number): ParallelSource<string> {
  const groups: ParallelGroup<string>[] = [];
  for (let g = 0; g < size; g++) {
    const languages = g % 5 === 0 ? ['en', 'de'] : LANGUAGES;
    groups.push({ id: `${name}-${g}`, items: new Map(languages.map((l) => [l, `${name}-${g}-${l}`])) });
  }
  return { name, groups };
}

function batches<T>(sampler: { next(): Batch<T> }, n: number): Batch<T>[] {
  return Array.from({ length: n }, () => sampler.next());
}

function assertWellFormed(batch: Batch<string>, batchSize: number): void {
  assert.equal(batch.pairs.length, batchSize);
  assert.equal(new Set(batch.pairs.map((p) => p.groupId)).size, batchSize, 'no group twice in a batch');
  for (const p of batch.pairs) {
    assert.equal(p.query, `${p.groupId}-${p.queryLanguage}`, 'query item is the query-language member');
    assert.equal(p.passage, `${p.groupId}-${p.passageLanguage}`, 'passage item is the passage-language member');
  }
  assert.deepEqual(batch.composition, compositionOf(batch.pairs));
  assert.equal(Object.values(batch.composition).reduce((a, b) => a + b, 0), batchSize);
}

test('sampleDistinct draws k distinct values in range, deterministically per seed', () => {
  const a = sampleDistinct(createRandom(3), 50, 50).sort((x, y) => x - y);
  assert.deepEqual(a, Array.from({ length: 50 }, (_, i) => i));
  const b = sampleDistinct(createRandom(9), 1000, 10);
  assert.equal(new Set(b).size, 10);
  assert.ok(b.every((v) => v >= 0 && v < 1000));
  assert.deepEqual(sampleDistinct(createRandom(9), 1000, 10), b);
  assert.throws(() => sampleDistinct(createRandom(1), 3, 4), RangeError);
});

test('MONO over 10,000 batches: every batch is in one language, languages drawn uniformly', () => {
  const sampler = createBatchSampler([source('s', 200)], { languages: LANGUAGES, batchSize: 16, alpha: 1, seed: 1 });
  const counts = new Map<string, number>();
  for (const batch of batches(sampler, 10_000)) {
    assertWellFormed(batch, 16);
    assert.equal(batch.mode, 'MONO');
    const languages = new Set(batch.pairs.flatMap((p) => [p.queryLanguage, p.passageLanguage]));
    assert.equal(languages.size, 1, JSON.stringify(batch.composition));
    const [language] = languages;
    counts.set(language!, (counts.get(language!) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort(), [...LANGUAGES].sort());
  // Standard deviation 0.0043; 0.02 is more than four of them.
  for (const [language, n] of counts) assert.ok(Math.abs(n / 10_000 - 0.25) < 0.02, `${language}: ${n} of 10,000`);
});

test('CROSS over 10,000 batches: query and passage languages always differ, and only languages a group has are used', () => {
  const sampler = createBatchSampler([source('s', 200)], { languages: LANGUAGES, batchSize: 16, alpha: 0, seed: 2 });
  const pairs = new Set<string>();
  for (const batch of batches(sampler, 10_000)) {
    assertWellFormed(batch, 16);
    assert.equal(batch.mode, 'CROSS');
    for (const p of batch.pairs) {
      assert.notEqual(p.queryLanguage, p.passageLanguage);
      pairs.add(`${p.queryLanguage}-${p.passageLanguage}`);
    }
  }
  assert.equal(pairs.size, 12, 'every ordered pair of distinct languages occurs');
});

test('HYBRID alpha 0.3 gives about 30% monolingual batches over 10,000 batches', () => {
  const sampler = createBatchSampler([source('s', 100)], { languages: LANGUAGES, batchSize: 4, alpha: 0.3, seed: 11 });
  let mono = 0;
  for (const batch of batches(sampler, 10_000)) {
    const monolingual = batch.pairs.every((p) => p.queryLanguage === p.passageLanguage && p.queryLanguage === batch.pairs[0]!.queryLanguage);
    const crosslingual = batch.pairs.every((p) => p.queryLanguage !== p.passageLanguage);
    assert.ok(batch.mode === 'MONO' ? monolingual : crosslingual, `batch is ${batch.mode} as labelled`);
    if (batch.mode === 'MONO') mono++;
  }
  // Binomial standard deviation is 0.0046 here; 0.015 is more than three of them (the brief allows 0.02).
  assert.ok(Math.abs(mono / 10_000 - 0.3) < 0.015, `mono fraction ${mono / 10_000}`);
});

test('the same seed gives the same batches; another seed does not', () => {
  const options = { languages: LANGUAGES, batchSize: 8, alpha: 0.5, seed: 42 };
  const a = batches(createBatchSampler([source('s', 60)], options), 50);
  const b = batches(createBatchSampler([source('s', 60)], options), 50);
  const c = batches(createBatchSampler([source('s', 60)], { ...options, seed: 43 }), 50);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('with several sources each batch comes from one, in proportion to size', () => {
  const sampler = createBatchSampler([source('big', 300), source('small', 100)], { languages: LANGUAGES, batchSize: 8, alpha: 0.5, seed: 5 });
  let big = 0;
  for (const batch of batches(sampler, 4000)) {
    assert.ok(batch.pairs.every((p) => p.groupId.startsWith(`${batch.source}-`)), 'one source per batch');
    if (batch.source === 'big') big++;
  }
  assert.ok(Math.abs(big / 4000 - 0.75) < 0.03, `big share ${big / 4000}`);
});

test('impossible configurations are non-retryable errors', () => {
  const nonRetryable = (err: unknown) => err instanceof JobError && !err.retryable;
  const s = [source('s', 20)];
  // en and de have 20 groups, es and fr only 16.
  assert.throws(() => createBatchSampler(s, { languages: LANGUAGES, batchSize: 17, alpha: 1, seed: 1 }), nonRetryable);
  assert.doesNotThrow(() => createBatchSampler(s, { languages: ['en', 'de'], batchSize: 20, alpha: 1, seed: 1 }));
  assert.throws(() => createBatchSampler(s, { languages: ['en'], batchSize: 4, alpha: 0.5, seed: 1 }), nonRetryable);
  assert.throws(() => createBatchSampler(s, { languages: ['ja', 'ko'], batchSize: 4, alpha: 0.5, seed: 1 }), nonRetryable);
  assert.throws(() => createBatchSampler(s, { languages: LANGUAGES, batchSize: 4, alpha: 1.5, seed: 1 }), nonRetryable);
});

type Texts = { q: string; p: string };

/** Groups whose answer sentences repeat: group g's passage text is shared with every group of the same g % distinct. */
function repetitive(size: number, distinct: number): ParallelSource<Texts> {
  const groups = Array.from({ length: size }, (_, g) => ({
    id: `r-${g}`,
    items: new Map(['en', 'de'].map((l) => [l, { q: `question ${g % (distinct + 3)} ${l}`, p: `sentence ${g % distinct} ${l}` }])),
  }));
  return { name: 'repetitive', groups };
}
const textKeys = { query: (x: Texts) => x.q, passage: (x: Texts) => x.p };

test('no passage or query text appears twice in a batch, though groups repeat them', () => {
  const options = { languages: ['en', 'de'], batchSize: 10, alpha: 0.5, seed: 4 };
  let repeatsWithoutKeys = 0;
  const plain = createBatchSampler([repetitive(60, 12)], options);
  for (const batch of batches(plain, 500)) if (new Set(batch.pairs.map((p) => p.passage.p)).size < 10) repeatsWithoutKeys++;
  assert.ok(repeatsWithoutKeys > 400, `the data does repeat passages (${repeatsWithoutKeys} of 500 plain batches)`);

  const sampler = createBatchSampler([repetitive(60, 12)], { ...options, keys: textKeys });
  for (const batch of batches(sampler, 2000)) {
    assert.equal(batch.pairs.length, 10);
    assert.equal(new Set(batch.pairs.map((p) => p.passage.p)).size, 10, 'distinct passages');
    assert.equal(new Set(batch.pairs.map((p) => p.query.q)).size, 10, 'distinct queries');
    assert.equal(new Set(batch.pairs.map((p) => p.groupId)).size, 10, 'distinct groups');
  }
  assert.equal(largestBatch(repetitive(60, 12), { ...options, keys: textKeys }), 12);
  assert.equal(largestBatch(repetitive(60, 12), options), 60, 'without keys only groups count');
  // Only 8 distinct sentences per language: a batch of 10 cannot be filled.
  const starved = createBatchSampler([repetitive(60, 8)], { ...options, alpha: 1, keys: textKeys });
  assert.throws(() => starved.next(), (err: unknown) => err instanceof JobError && !err.retryable && /only 8 .* distinct texts/.test(err.message));
});

test('position counts batches; a sampler replayed to a position continues exactly like the original', () => {
  const options = { languages: LANGUAGES, batchSize: 8, alpha: 0.5, seed: 21 };
  const original = createBatchSampler([source('s', 60)], options);
  batches(original, 37);
  assert.equal(original.position, 37);
  const replayed = createBatchSampler([source('s', 60)], options);
  while (replayed.position < 37) replayed.next();
  assert.deepEqual(batches(replayed, 20), batches(original, 20));
});

test('a forced mode overrides the draw, for fixed validation batches', () => {
  const sampler = createBatchSampler([source('s', 60)], { languages: LANGUAGES, batchSize: 8, alpha: 0.5, seed: 2 });
  for (let i = 0; i < 50; i++) {
    assert.equal(sampler.next('MONO').mode, 'MONO');
    const cross = sampler.next('CROSS');
    assert.ok(cross.mode === 'CROSS' && cross.pairs.every((p) => p.queryLanguage !== p.passageLanguage));
  }
});

test('the validation split holds out whole groups, deterministically for the seed', () => {
  const s = source('s', 400);
  const split = splitGroups(s, { fraction: 0.1, seed: 42, languages: LANGUAGES });
  assert.equal(split.validation.groups.length, 40);
  assert.equal(split.train.groups.length, 360);
  const held = new Set(split.validation.groups.map((g) => g.id));
  assert.ok(split.train.groups.every((g) => !held.has(g.id)), 'no group on both sides');
  assert.ok(split.validation.groups.every((g) => g.items.size >= 2), 'groups keep all their languages');
  assert.deepEqual(splitGroups(s, { fraction: 0.1, seed: 42, languages: LANGUAGES }), split);
  const other = splitGroups(s, { fraction: 0.1, seed: 43, languages: LANGUAGES });
  assert.notDeepEqual(other.validation.groups.map((g) => g.id), [...held]);
  // By id, not by position: the same ids in another order or another source land on the same side.
  const shuffled = { name: 'copy', groups: [...s.groups].reverse() };
  assert.deepEqual(new Set(splitGroups(shuffled, { fraction: 0.1, seed: 42, languages: LANGUAGES }).validation.groups.map((g) => g.id)), held);
  assert.equal(splitGroups(s, { fraction: 0, seed: 42, languages: LANGUAGES }).validation.groups.length, 0);
  // Groups without a training language do not count towards the share.
  assert.equal(splitGroups(s, { fraction: 0.1, seed: 42, languages: ['fr'] }).validation.groups.length, 32);
});
