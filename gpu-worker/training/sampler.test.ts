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

/**
 * The composition counted here, independently of the sampler's compositionOf. schema/events.ts
 * documents BatchComposition as "query-passage": the key "en-de" counts pairs with an en query and
 * a de passage.
 */
function countComposition(pairs: readonly { queryLanguage: string; passageLanguage: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of pairs) counts[p.queryLanguage + '-' + p.passageLanguage] = (counts[p.queryLanguage + '-' + p.passageLanguage] ?? 0) + 1;
  return counts;
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
  assert.deepEqual(batch.composition, countComposition(batch.pairs));
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

// ---------------------------------------------------------------------------------------------
// The batch composition of docs/method.md checked on PARTIALLY parallel data, as MLQA-R is: a
// question exists in some of the languages only. Written from the method, not from the sampler:
// X-Y (CROSS) pairs never share a language, X-X-mono (MONO) batches are one language, Hybrid(alpha)
// is MONO with probability alpha.

const MLQA_LANGUAGES = ['ar', 'de', 'en', 'es', 'hi', 'vi', 'zh'];

/**
 * An MLQA-R-like source: a quarter of the groups exist in ONE language only, a quarter in two,
 * a quarter in three and a quarter in all seven. Item text `${id}-${language}`.
 */
function partial(name: string, size: number): ParallelSource<string> {
  const L = MLQA_LANGUAGES;
  const groups: ParallelGroup<string>[] = [];
  for (let g = 0; g < size; g++) {
    const languages = [[L[g % 7]!], [L[g % 7]!, L[(g + 2) % 7]!], [L[g % 7]!, L[(g + 1) % 7]!, L[(g + 4) % 7]!], L][g % 4]!;
    groups.push({ id: `${name}-${g}`, items: new Map(languages.map((l) => [l, `${name}-${g}-${l}`])) });
  }
  return { name, groups };
}

/** The languages of each group of a source, as the fixture built them. */
const languagesOf = (s: ParallelSource<string>) => new Map(s.groups.map((g) => [g.id, new Set(g.items.keys())]));

test('CROSS on partially parallel data: 0 same-language pairs over 2,000 batches, single-language groups never used', () => {
  const data = partial('mlqa', 280);
  const has = languagesOf(data);
  const sampler = createBatchSampler([data], { languages: MLQA_LANGUAGES, batchSize: 16, alpha: 0, seed: 7 });
  let sameLanguage = 0;
  let total = 0;
  const used = new Set<string>();
  const orderedPairs = new Set<string>();
  for (const batch of batches(sampler, 2000)) {
    assert.equal(batch.mode, 'CROSS');
    assertWellFormed(batch, 16);
    for (const p of batch.pairs) {
      total++;
      if (p.queryLanguage === p.passageLanguage) sameLanguage++;
      const languages = has.get(p.groupId)!;
      assert.ok(languages.has(p.queryLanguage) && languages.has(p.passageLanguage), `${p.groupId} exists in ${p.queryLanguage} and ${p.passageLanguage}`);
      used.add(p.groupId);
      orderedPairs.add(`${p.queryLanguage}-${p.passageLanguage}`);
    }
  }
  assert.equal(total, 32_000);
  assert.equal(sameLanguage, 0, `${sameLanguage} of ${total} cross-lingual pairs are same-language`);
  // Every group with two or more languages is usable for X-Y, and only those.
  const multilingual = data.groups.filter((g) => g.items.size >= 2).map((g) => g.id);
  assert.deepEqual([...used].sort(), multilingual.sort(), 'CROSS draws from exactly the groups in two or more languages');
  assert.equal(orderedPairs.size, 42, 'all 7 x 6 ordered language pairs occur');
});

test('CROSS on partially parallel data: the passage language is uniform among the group\'s other languages', () => {
  // Groups in all seven languages: given the query language, each of the six others is equally likely.
  const data = partial('mlqa', 280);
  const sampler = createBatchSampler([data], { languages: MLQA_LANGUAGES, batchSize: 16, alpha: 0, seed: 8 });
  const counts = new Map<string, number>();
  let n = 0;
  for (const batch of batches(sampler, 1500)) {
    for (const p of batch.pairs) {
      if (data.groups.find((g) => g.id === p.groupId)!.items.size !== 7) continue;
      counts.set(`${p.queryLanguage}-${p.passageLanguage}`, (counts.get(`${p.queryLanguage}-${p.passageLanguage}`) ?? 0) + 1);
      n++;
    }
  }
  assert.equal(counts.size, 42);
  // Each ordered pair has probability 1/42; binomial standard deviation sqrt(n p (1 - p)); 5 of them.
  const expected = n / 42;
  const sd = Math.sqrt(n * (1 / 42) * (41 / 42));
  for (const [pair, c] of counts) assert.ok(Math.abs(c - expected) < 5 * sd, `${pair}: ${c}, expected ${expected.toFixed(0)} +- ${(5 * sd).toFixed(0)}`);
});

test('only training languages are used: a group in ar and en is monolingual for training languages en, de, es', () => {
  const data = partial('mlqa', 280);
  const training = ['en', 'de', 'es'];
  const has = languagesOf(data);
  const sampler = createBatchSampler([data], { languages: training, batchSize: 8, alpha: 0.5, seed: 9 });
  for (const batch of batches(sampler, 1000)) {
    for (const p of batch.pairs) {
      assert.ok(training.includes(p.queryLanguage) && training.includes(p.passageLanguage), `${p.queryLanguage}-${p.passageLanguage}`);
      if (batch.mode === 'CROSS') {
        assert.notEqual(p.queryLanguage, p.passageLanguage);
        const inTraining = [...has.get(p.groupId)!].filter((l) => training.includes(l));
        assert.ok(inTraining.length >= 2, `${p.groupId} has ${inTraining.length} training language(s)`);
      }
    }
  }
});

test('MONO on partially parallel data: every pair of every batch is in one language, languages uniform', () => {
  const data = partial('mlqa', 280);
  const has = languagesOf(data);
  const sampler = createBatchSampler([data], { languages: MLQA_LANGUAGES, batchSize: 16, alpha: 1, seed: 10 });
  const perLanguage = new Map<string, number>();
  const n = 2100;
  for (const batch of batches(sampler, n)) {
    assert.equal(batch.mode, 'MONO');
    assertWellFormed(batch, 16);
    const language = batch.pairs[0]!.queryLanguage;
    for (const p of batch.pairs) {
      assert.equal(p.queryLanguage, language);
      assert.equal(p.passageLanguage, language);
      assert.ok(has.get(p.groupId)!.has(language));
    }
    assert.deepEqual(batch.composition, { [`${language}-${language}`]: 16 });
    perLanguage.set(language, (perLanguage.get(language) ?? 0) + 1);
  }
  assert.equal(perLanguage.size, 7);
  const sd = Math.sqrt(n * (1 / 7) * (6 / 7));
  for (const [language, c] of perLanguage) assert.ok(Math.abs(c - n / 7) < 5 * sd, `${language}: ${c} of ${n}`);
});

for (const alpha of [0.5, 0.8]) {
  test(`HYBRID alpha ${alpha} on partially parallel data: MONO share within 4 binomial standard deviations of alpha`, () => {
    const n = 4000;
    const sampler = createBatchSampler([partial('mlqa', 280)], { languages: MLQA_LANGUAGES, batchSize: 8, alpha, seed: 12 });
    let mono = 0;
    for (const batch of batches(sampler, n)) {
      // The label is checked against the content, so a wrong label cannot hide a wrong share.
      const oneLanguage = new Set(batch.pairs.flatMap((p) => [p.queryLanguage, p.passageLanguage])).size === 1;
      const allCross = batch.pairs.every((p) => p.queryLanguage !== p.passageLanguage);
      assert.ok(batch.mode === 'MONO' ? oneLanguage : allCross, `a ${batch.mode} batch: ${JSON.stringify(countComposition(batch.pairs))}`);
      if (oneLanguage) mono++;
    }
    const sd = Math.sqrt((alpha * (1 - alpha)) / n);
    assert.ok(Math.abs(mono / n - alpha) < 4 * sd, `MONO share ${mono / n}, alpha ${alpha}, tolerance ${(4 * sd).toFixed(4)}`);
  });
}

test('alpha 0 gives only CROSS batches and alpha 1 only MONO batches', () => {
  const data = partial('mlqa', 280);
  const cross = createBatchSampler([data], { languages: MLQA_LANGUAGES, batchSize: 8, alpha: 0, seed: 13 });
  const mono = createBatchSampler([data], { languages: MLQA_LANGUAGES, batchSize: 8, alpha: 1, seed: 13 });
  for (let i = 0; i < 500; i++) {
    assert.ok(cross.next().pairs.every((p) => p.queryLanguage !== p.passageLanguage));
    assert.equal(new Set(mono.next().pairs.map((p) => p.queryLanguage + p.passageLanguage)).size, 1);
  }
});

test('composition counts (query language, passage language) in the documented "query-passage" direction', () => {
  const sampler = createBatchSampler([partial('mlqa', 280)], { languages: MLQA_LANGUAGES, batchSize: 16, alpha: 0.5, seed: 14 });
  let asymmetric = 0;
  for (const batch of batches(sampler, 300)) {
    const expected: Record<string, number> = {};
    for (const p of batch.pairs) {
      const key = `${p.queryLanguage}-${p.passageLanguage}`; // "en-de" = query en, passage de
      expected[key] = (expected[key] ?? 0) + 1;
    }
    assert.deepEqual(batch.composition, expected);
    if (Object.entries(expected).some(([k, v]) => expected[k.split('-').reverse().join('-')] !== v)) asymmetric++;
  }
  assert.ok(asymmetric > 100, `the direction is visible in ${asymmetric} of 300 batches`);
  // compositionOf, exported for other callers, follows the same direction.
  assert.deepEqual(compositionOf([{ queryLanguage: 'en', passageLanguage: 'de' }, { queryLanguage: 'en', passageLanguage: 'de' }, { queryLanguage: 'fr', passageLanguage: 'fr' }]), { 'en-de': 2, 'fr-fr': 1 });
});

/** Plenty of monolingual items, but only `multilingual` groups in two languages. */
function fewCross(multilingual: number): ParallelSource<string> {
  const groups: ParallelGroup<string>[] = [];
  for (let g = 0; g < 40; g++) {
    const languages = g < multilingual ? ['en', 'de'] : [g % 2 === 0 ? 'en' : 'de'];
    groups.push({ id: `f-${g}`, items: new Map(languages.map((l) => [l, `f-${g}-${l}`])) });
  }
  return { name: 'few', groups };
}

test('too few cross-lingual items is refused when the sampler is CREATED, not at next()', () => {
  const nonRetryable = (err: unknown) => err instanceof JobError && !err.retryable && /two or more training languages/.test(err.message);
  // 7 groups in both en and de, 20+ items per language: MONO could fill a batch of 8, CROSS cannot.
  for (const alpha of [0, 0.5]) {
    assert.throws(() => createBatchSampler([fewCross(7)], { languages: ['en', 'de'], batchSize: 8, alpha, seed: 1 }), nonRetryable, `alpha ${alpha}`);
  }
  // Exactly enough: created, and CROSS batches come out.
  const enough = createBatchSampler([fewCross(8)], { languages: ['en', 'de'], batchSize: 8, alpha: 0, seed: 1 });
  assert.ok(enough.next().pairs.every((p) => p.queryLanguage !== p.passageLanguage));
  // MONO only does not need cross-lingual items.
  assert.doesNotThrow(() => createBatchSampler([fewCross(0)], { languages: ['en', 'de'], batchSize: 8, alpha: 1, seed: 1 }).next());
  // On MLQA-R-like data 70 + 70 + 70 groups have two or more of the seven languages.
  assert.doesNotThrow(() => createBatchSampler([partial('mlqa', 280)], { languages: MLQA_LANGUAGES, batchSize: 210, alpha: 0, seed: 1 }));
  assert.throws(() => createBatchSampler([partial('mlqa', 280)], { languages: MLQA_LANGUAGES, batchSize: 211, alpha: 0, seed: 1 }), nonRetryable);
});

test('largestBatch on partially parallel data: fewest items of a language for MONO, groups in two or more languages for CROSS', () => {
  const data = partial('mlqa', 280);
  const perLanguage = MLQA_LANGUAGES.map((l) => data.groups.filter((g) => g.items.has(l)).length);
  const multilingual = data.groups.filter((g) => g.items.size >= 2).length;
  assert.equal(multilingual, 210);
  assert.equal(largestBatch(data, { languages: MLQA_LANGUAGES, alpha: 1 }), Math.min(...perLanguage));
  assert.equal(largestBatch(data, { languages: MLQA_LANGUAGES, alpha: 0 }), multilingual);
  assert.equal(largestBatch(data, { languages: MLQA_LANGUAGES, alpha: 0.5 }), Math.min(multilingual, ...perLanguage));
  assert.equal(largestBatch(fewCross(7), { languages: ['en', 'de'], alpha: 0.5 }), 7);
  assert.equal(largestBatch(fewCross(7), { languages: ['en', 'de'], alpha: 1 }), 20 + 3);
  assert.equal(largestBatch(data, { languages: ['ja'], alpha: 1 }), 0, 'no data in the training languages');
  // A sampler accepts exactly largestBatch and refuses one more.
  for (const alpha of [0, 0.5, 1]) {
    const largest = largestBatch(data, { languages: MLQA_LANGUAGES, alpha });
    assert.doesNotThrow(() => createBatchSampler([data], { languages: MLQA_LANGUAGES, batchSize: largest, alpha, seed: 1 }).next());
    assert.throws(() => createBatchSampler([data], { languages: MLQA_LANGUAGES, batchSize: largest + 1, alpha, seed: 1 }), JobError);
  }
});

test('each impossible configuration is refused at creation for its own reason', () => {
  // The message is checked: one refused configuration often breaks several rules, and a check that
  // went missing would hide behind another one.
  const refused = (pattern: RegExp) => (err: unknown) => err instanceof JobError && !err.retryable && pattern.test(err.message);
  const s = [source('s', 20)];
  const ok = { languages: ['en', 'de'], batchSize: 4, alpha: 0.5, seed: 1 };
  for (const alpha of [-0.5, -1e-9, 1.5, 1 + 1e-9, NaN]) assert.throws(() => createBatchSampler(s, { ...ok, alpha }), refused(/alpha must be in \[0, 1\]/), `alpha ${alpha}`);
  for (const alpha of [0, 1]) assert.doesNotThrow(() => createBatchSampler(s, { ...ok, alpha }).next(), `alpha ${alpha}`);
  for (const batchSize of [0, -1, 2.5, NaN]) assert.throws(() => createBatchSampler(s, { ...ok, batchSize }), refused(/batch size must be a positive integer/), `batch size ${batchSize}`);
  assert.equal(createBatchSampler(s, { ...ok, batchSize: 1 }).next().pairs.length, 1, 'a batch of one is allowed');
  assert.throws(() => createBatchSampler(s, { ...ok, languages: ['en', 'de', 'en'] }), refused(/duplicate training languages/));
  // X-Y needs two languages; X-X-mono alone does not.
  for (const alpha of [0, 0.5, 0.99]) {
    assert.throws(() => createBatchSampler(s, { ...ok, languages: ['en'], alpha }), refused(/cross-lingual batches need at least two training languages/), `alpha ${alpha}`);
  }
  assert.equal(createBatchSampler(s, { ...ok, languages: ['en'], alpha: 1 }).next().mode, 'MONO');
  // A source without a single item in the training languages.
  for (const alpha of [0, 0.5, 1]) {
    assert.throws(() => createBatchSampler(s, { ...ok, languages: ['ja', 'ko'], alpha }), refused(/s has no data in ja, ko/), `alpha ${alpha}`);
    assert.doesNotThrow(() => createBatchSampler([source('a', 20), source('b', 20)], { ...ok, languages: ['en', 'de', 'ja'], alpha }).next(), 'data in some of the training languages is enough');
  }
  const one: ParallelSource<string> = { name: 'one', groups: [{ id: 'o-0', items: new Map([['en', 'o-0-en'], ['de', 'o-0-de']]) }] };
  assert.equal(createBatchSampler([one], { ...ok, batchSize: 1 }).next().pairs.length, 1, 'a source of a single group is not empty');
  assert.throws(() => createBatchSampler([], ok), refused(/no training datasets/));
});

test('sources are picked in proportion to their size in the training languages (small sources, exact shares)', () => {
  // 9 and 3 groups in en/de: shares 0.75 and 0.25. The first source also has 12 groups only in ja,
  // which is not a training language and must not count towards its size.
  const sized = (name: string, n: number, extra: number): ParallelSource<string> => ({
    name,
    groups: [
      ...Array.from({ length: n }, (_, g) => ({ id: `${name}-${g}`, items: new Map(['en', 'de'].map((l) => [l, `${name}-${g}-${l}`])) })),
      ...Array.from({ length: extra }, (_, g) => ({ id: `${name}-ja-${g}`, items: new Map([['ja', `${name}-ja-${g}-ja`]]) })),
    ],
  });
  const n = 6000;
  const sampler = createBatchSampler([sized('nine', 9, 12), sized('three', 3, 0)], { languages: ['en', 'de'], batchSize: 2, alpha: 0.5, seed: 3 });
  let nine = 0;
  for (const batch of batches(sampler, n)) if (batch.source === 'nine') nine++;
  const sd = Math.sqrt((0.75 * 0.25) / n);
  assert.ok(Math.abs(nine / n - 0.75) < 4 * sd, `share of the 9-group source ${nine / n}, expected 0.75 +- ${(4 * sd).toFixed(4)}`);
  // The other order: the last source is not a fallback that gains a share.
  const reversed = createBatchSampler([sized('three', 3, 0), sized('nine', 9, 12)], { languages: ['en', 'de'], batchSize: 2, alpha: 0.5, seed: 3 });
  let three = 0;
  for (const batch of batches(reversed, n)) if (batch.source === 'three') three++;
  assert.ok(Math.abs(three / n - 0.25) < 4 * sd, `share of the 3-group source ${three / n}, expected 0.25`);
});
