// Retrieval serving in one process: a gateway and a worker sharing an in-memory PGlite database,
// the memory bus and one embedded vector store. A tiny run is trained, indexCorpus embeds a small
// MLQA-R (en, de) into a collection, search reads it, promoteCollection gives it an alias.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildApp, type App } from '../api/app.js';
import { testConfig } from '../api/testing.js';
import { buildWorker, type Worker } from '../gpu-worker/app.js';
import { openDatabase, type Database } from '../prisma/db.js';
import { createMemoryBus } from '../schema/bus/memory.js';
import { openEmbeddedStore } from '../gpu-worker/vectors/embedded.js';
import type { VectorStore } from '../gpu-worker/vectors/store.js';
import { dataDir as sharedData, repoRoot, smallRun, START_RUN } from './support/platform.js';

const MLQA_LANGUAGES = ['ar', 'de', 'en', 'es', 'hi', 'vi', 'zh'];
const SENTENCES: Record<string, string[][]> = {
  en: [['The river flows north.', 'It is very long.'], ['Bread is baked daily.', 'The baker starts at dawn.', 'Customers queue early.']],
  de: [['Der Fluss fließt nach Norden.', 'Er ist sehr lang.'], ['Brot wird täglich gebacken.', 'Der Bäcker beginnt im Morgengrauen.']],
};

/** A SQuAD-style file with sentences and breaks, one question per paragraph. */
function mlqaFile(language: string): string {
  const paragraphs = (SENTENCES[language] ?? [[`${language} sentence one.`, `${language} sentence two.`]]).map((sentences, p) => {
    let offset = 0;
    const breaks = sentences.map((s) => {
      const range: [number, number] = [offset, offset + s.length];
      offset += s.length + 1;
      return range;
    });
    return { context: sentences.join(' '), sentences, sentence_breaks: breaks, qas: [{ id: `q${p}`, question: 'q?', answers: [{ answer_start: 0, text: sentences[0] }] }] };
  });
  return JSON.stringify({ data: [{ paragraphs }] });
}

let db: Database;
let home: string;
let vectors: VectorStore;
let worker: Worker;
let gateway: App;
let url: string;
const bus = createMemoryBus({ maxDeliveries: 3, ackWaitMs: 20_000, duplicateWindowMs: 0 });
const logs: string[] = [];

before(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-serving-'));
  const dataDir = path.join(home, 'data');
  await fs.mkdir(path.join(dataDir, 'mlqa-r'), { recursive: true });
  await fs.symlink(path.join(sharedData, 'xquad-r'), path.join(dataDir, 'xquad-r'));
  await fs.symlink(path.join(sharedData, 'muse'), path.join(dataDir, 'muse'));
  for (const language of MLQA_LANGUAGES) await fs.writeFile(path.join(dataDir, 'mlqa-r', `${language}.json`), mlqaFile(language));
  db = await openDatabase({ kind: 'embedded', dataDir: null }, { migrate: true });
  vectors = await openEmbeddedStore({ dir: path.join(home, 'vectors') });
  const base = testConfig(home);
  const settings = { ...base.settings, dataDir, modelsDir: path.join(repoRoot, '..', 'shared', 'models'), heartbeatMs: 50 };
  worker = buildWorker({
    config: { settings, workerId: 'w-serving', concurrency: 1, checkpointDir: path.join(home, 'checkpoints'), retryBackoffMs: 10, vectorStore: 'local' as const, serveQueries: true, servingEncoders: 2, servingBatchWaitMs: 0 },
    db, bus, vectors, log: (l) => logs.push(l),
  });
  await worker.start();
  gateway = buildApp({ config: { ...base, settings }, db, bus, log: (l) => logs.push(l) });
  ({ url } = await gateway.start());
});
after(async () => {
  await gateway?.stop();
  await worker?.stop();
  await vectors?.close();
  await bus.close();
  await db?.close();
  await fs.rm(home, { recursive: true, force: true });
});

async function gql<T = any>(query: string, variables?: Record<string, unknown>) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return (await response.json()) as { data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${logs.slice(-10).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const settled = (jobId: string) =>
  waitFor(`job ${jobId}`, async () => {
    const job = await db.prisma.job.findUniqueOrThrow({ where: { id: jobId } });
    return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(job.status) && job;
  });

const INDEX = 'mutation($input: IndexCorpusInput!) { indexCorpus(input: $input) { id kind status } }';
const SEARCH = 'query($input: SearchInput!) { search(input: $input) { queryLanguage hits { score language text documentId } } }';
const PROMOTE = 'mutation($alias: String!, $id: ID!) { promoteCollection(alias: $alias, collectionId: $id) { id name alias } }';

test('indexCorpus, search, promoteCollection and their input errors', async () => {
  const started = await gql(START_RUN, { input: smallRun({ trainDatasets: ['xquad-r'], languages: ['en', 'de'], steps: 3 }) });
  assert.equal(started.errors, undefined, JSON.stringify(started.errors));
  const trainJob = await db.prisma.job.findFirstOrThrow({ where: { runId: started.data.startTrainingRun.id } });
  assert.equal((await settled(trainJob.id)).status, 'SUCCEEDED');
  const checkpoint = await db.prisma.checkpoint.findFirstOrThrow({ where: { runId: trainJob.runId! }, orderBy: { step: 'desc' } });

  // Bad inputs name the field and write nothing.
  const jobsBefore = await db.prisma.job.count();
  for (const [input, field] of [
    [{ checkpointId: 'nope', dataset: 'mlqa-r' }, 'input.checkpointId'],
    [{ checkpointId: checkpoint.id, dataset: 'xnli' }, 'input.dataset'],
    [{ checkpointId: checkpoint.id, dataset: 'mlqa-r', languages: ['en', 'th'] }, 'input.languages'],
  ] as const) {
    const bad = await gql(INDEX, { input });
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(bad));
    assert.equal(bad.errors?.[0]?.extensions?.field, field);
  }
  assert.equal(await db.prisma.job.count(), jobsBefore);

  const indexed = await gql(INDEX, { input: { checkpointId: checkpoint.id, dataset: 'mlqa-r', languages: ['en', 'de'] } });
  assert.equal(indexed.errors, undefined, JSON.stringify(indexed.errors));
  assert.equal(indexed.data.indexCorpus.kind, 'EMBED');
  const job = await settled(indexed.data.indexCorpus.id);
  assert.equal(job.status, 'SUCCEEDED', job.error ?? '');
  const { data } = await gql('{ collections { id name alias dataset languages size checkpointId } }');
  assert.equal(data.collections.length, 1);
  const collection = data.collections[0];
  assert.deepEqual([collection.dataset, collection.languages, collection.size, collection.checkpointId], ['mlqa-r', ['en', 'de'], 9, checkpoint.id]);
  assert.equal(collection.name, `mlqa-r-${checkpoint.id.slice(0, 8)}-${job.id.slice(0, 8)}`);

  const found = await gql(SEARCH, { input: { text: 'Where does the river flow?', k: 3, languages: ['de'], collection: collection.name } });
  assert.equal(found.errors, undefined, JSON.stringify(found.errors));
  const hits = found.data.search.hits as Array<{ score: number; language: string; text: string; documentId: string }>;
  assert.equal(found.data.search.queryLanguage, 'en');
  assert.equal(hits.length, 3);
  assert.ok(hits.every((h) => h.language === 'de' && /^de:\d+:\d+$/.test(h.documentId)), JSON.stringify(hits));
  for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1]!.score >= hits[i]!.score, 'sorted by score');

  const promoted = await gql(PROMOTE, { alias: 'mlqa-live', id: collection.id });
  assert.equal(promoted.errors, undefined, JSON.stringify(promoted.errors));
  assert.equal(promoted.data.promoteCollection.alias, 'mlqa-live');
  const byAlias = await gql(SEARCH, { input: { text: 'Брот', alias: 'mlqa-live' } });
  assert.equal(byAlias.errors, undefined, JSON.stringify(byAlias.errors));
  assert.equal(byAlias.data.search.queryLanguage, 'ru');
  assert.equal(byAlias.data.search.hits.length, 9, 'k defaults to 10; 9 points exist');

  for (const [input, field] of [
    [{ text: 'x', collection: collection.name, alias: 'mlqa-live' }, 'input.collection'],
    [{ text: 'x', alias: 'mlqa-live', k: 101 }, 'input.k'],
    [{ text: 'x', alias: 'missing' }, 'input.alias'],
  ] as const) {
    const bad = await gql(SEARCH, { input });
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(bad));
    assert.equal(bad.errors?.[0]?.extensions?.field, field);
  }
  const badPromote = await gql(PROMOTE, { alias: 'other', id: 'nope' });
  assert.equal(badPromote.errors?.[0]?.extensions?.field, 'collectionId');
  assert.equal(await vectors.resolveAlias('other'), undefined);
});

const BATCH = 'query($inputs: [SearchInput!]!) { searchBatch(inputs: $inputs) { collection queryLanguage hits { language } } }';
const COMPARE = 'query($text: String!, $collections: [String!]!, $k: Int) { compareCollections(text: $text, collections: $collections, k: $k) { collection queryLanguage hits { language } } }';
const BIAS = '{ collections { name languageBias { searches hits sameLanguageShare } } }';

test('searchBatch, compareCollections and the live language bias', async () => {
  const { data } = await gql('{ collections { name alias } }');
  const { name, alias } = data.collections[0];
  assert.equal(alias, 'mlqa-live', 'runs after the first test');
  const before = (await gql(BIAS)).data.collections[0].languageBias;
  const counted: Array<{ queryLanguage: string; hits: Array<{ language: string }> }> = [];

  const inputs = [
    { text: 'Where does the river flow?', k: 2, collection: name },
    { text: 'Wo ist der Bäcker?', queryLanguage: 'de', k: 4, alias },
    { text: 'fresh bread from the baker', k: 3, languages: ['de'], collection: name },
  ];
  const batch = await gql(BATCH, { inputs });
  assert.equal(batch.errors, undefined, JSON.stringify(batch.errors));
  assert.deepEqual(batch.data.searchBatch.map((r: any) => [r.collection, r.queryLanguage, r.hits.length]), [[name, 'en', 2], [name, 'de', 4], [name, 'en', 3]]);
  assert.ok(batch.data.searchBatch[2].hits.every((h: any) => h.language === 'de'));
  counted.push(...batch.data.searchBatch);

  const bad = await gql(BATCH, { inputs: [inputs[0], { text: 'x', alias: 'missing' }] });
  assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(bad));
  assert.equal(bad.errors?.[0]?.extensions?.field, 'inputs[1].alias');
  const badK = await gql(BATCH, { inputs: [{ text: 'x', alias, k: 0 }] });
  assert.equal(badK.errors?.[0]?.extensions?.field, 'inputs[0].k');

  const compared = await gql(COMPARE, { text: 'Der Fluss', collections: [name, alias], k: 5 });
  assert.equal(compared.errors, undefined, JSON.stringify(compared.errors));
  assert.deepEqual(compared.data.compareCollections.map((r: any) => [r.collection, r.hits.length]), [[name, 5], [name, 5]]);
  assert.deepEqual(compared.data.compareCollections[0], compared.data.compareCollections[1], 'an alias searches its collection');
  counted.push(...compared.data.compareCollections);
  const badCompare = await gql(COMPARE, { text: 'x', collections: [name, 'missing'] });
  assert.equal(badCompare.errors?.[0]?.extensions?.field, 'collections[1]');
  assert.equal((await gql(COMPARE, { text: 'x', collections: [name] })).errors?.[0]?.extensions?.field, 'collections');

  const single = await gql(SEARCH, { input: { text: 'long river', k: 6, alias } });
  assert.equal(single.errors, undefined, JSON.stringify(single.errors));
  counted.push(single.data.search);

  const bias = (await gql(BIAS)).data.collections[0].languageBias;
  const hits = counted.reduce((n, r) => n + r.hits.length, 0);
  const same = counted.reduce((n, r) => n + r.hits.filter((h) => h.language === r.queryLanguage).length, 0);
  assert.equal(bias.searches - before.searches, counted.length, 'failed calls are not counted');
  assert.equal(bias.hits - before.hits, hits);
  // The share covers all traffic on the collection, earlier searches included.
  const beforeSame = before.sameLanguageShare == null ? 0 : Math.round(before.sameLanguageShare * before.hits);
  assert.ok(Math.abs(bias.sameLanguageShare - (beforeSame + same) / (before.hits + hits)) < 1e-9, JSON.stringify({ bias, before, same, hits }));
});

test('concurrent searches, embedded by the worker in shared encoder calls, return exactly the hits each returns alone', async () => {
  const { data } = await gql('{ collections { name } }');
  const { name } = data.collections[0];
  const texts = ['Where does the river flow?', 'Wo ist der Bäcker?', 'bread', 'Der Fluss', 'long river', 'Brot', 'the baker', 'Wasser', 'city', 'Stadt', 'river bank', 'Bäckerei'];
  const inputs = texts.flatMap((text, i) => [{ text, k: 5, collection: name }, { text, k: 3 + (i % 4), languages: ['de'], collection: name }]);
  const alone = [];
  for (const input of inputs) alone.push(await gql(SEARCH, { input }));
  const together = await Promise.all(inputs.map((input) => gql(SEARCH, { input })));
  for (const [i, reply] of together.entries()) {
    assert.equal(reply.errors, undefined, JSON.stringify(reply.errors));
    assert.ok(reply.data.search.hits.length > 0);
    assert.deepEqual(reply.data.search, alone[i]!.data.search, `input ${i}: ${JSON.stringify(inputs[i])}`);
  }
});

test('the worker identifies the query language when it is not given, Latin-script languages included', async () => {
  const { data } = await gql('{ collections { name } }');
  const { name } = data.collections[0];
  for (const [text, language] of [
    ['Wie viele Einwohner hatte Warschau im Jahr 1901?', 'de'],
    ['¿Cuántos habitantes tenía Varsovia en 1901?', 'es'],
    ['Warsaw ilikuwa na wakazi wangapi mwaka 1901?', 'sw'],
    ['Сколько жителей было в Варшаве в 1901 году?', 'ru'],
  ] as const) {
    const found = await gql(SEARCH, { input: { text, k: 2, collection: name } });
    assert.equal(found.errors, undefined, JSON.stringify(found.errors));
    assert.equal(found.data.search.queryLanguage, language, text);
  }
  const given = await gql(SEARCH, { input: { text: 'Wie viele Einwohner?', queryLanguage: 'en', k: 2, collection: name } });
  assert.equal(given.data.search.queryLanguage, 'en', 'a given language is kept');
});

test('a German question without a language filter: identified as German; lexical search reaches the English census sentence through the dictionary, and finds the German one among German sentences', async () => {
  const run = await gql(START_RUN, { input: smallRun({ trainDatasets: ['xquad-r'], languages: ['en', 'de'], steps: 2 }) });
  assert.equal(run.errors, undefined, JSON.stringify(run.errors));
  const trainJob = await db.prisma.job.findFirstOrThrow({ where: { runId: run.data.startTrainingRun.id } });
  assert.equal((await settled(trainJob.id)).status, 'SUCCEEDED');
  const checkpoint = await db.prisma.checkpoint.findFirstOrThrow({ where: { runId: trainJob.runId! }, orderBy: { step: 'desc' } });
  const indexed = await gql(INDEX, { input: { checkpointId: checkpoint.id, dataset: 'xquad-r', languages: ['en', 'de', 'es'] } });
  assert.equal(indexed.errors, undefined, JSON.stringify(indexed.errors));
  assert.equal((await settled(indexed.data.indexCorpus.id)).status, 'SUCCEEDED');
  const collection = (await db.prisma.collection.findFirstOrThrow({ where: { dataset: 'xquad-r', checkpointId: checkpoint.id } })).name;

  const ask = async (mode: string, dictionary = true, extra: Record<string, unknown> = {}) => {
    const found = await gql(
      'query($input: SearchInput!) { search(input: $input) { queryLanguage retrieval { mode fusion { method k } dictionary } hits { language text } } }',
      { input: { text: 'Wie viele Einwohner hatte Warschau im Jahr 1901?', k: 5, mode, dictionary, collection, ...extra } },
    );
    assert.equal(found.errors, undefined, JSON.stringify(found.errors));
    return found.data.search as { queryLanguage: string; retrieval: { mode: string; fusion: unknown; dictionary: boolean }; hits: Array<{ language: string; text: string }> };
  };
  const lexical = await ask('LEXICAL');
  assert.equal(lexical.queryLanguage, 'de');
  assert.deepEqual(lexical.retrieval, { mode: 'LEXICAL', fusion: null, dictionary: true });
  const census = (hits: Array<{ language: string; text: string }>, language: string, pattern: RegExp) => hits.some((h) => h.language === language && pattern.test(h.text));
  assert.ok(census(lexical.hits, 'en', /According to the 1901 census/), JSON.stringify(lexical.hits));
  assert.ok(census(lexical.hits, 'es', /Según el censo del año 1901/), 'Spanish through English: the pivot');
  // Without the dictionary the English and Spanish sentences share only "1901" with the question.
  const literal = await ask('LEXICAL', false);
  assert.ok(!census(literal.hits.slice(0, 1), 'en', /census/), JSON.stringify(literal.hits));
  // In German, BM25 ranks it below sentences sharing "Warschau", "Jahr" or "im" (bench/results.md,
  // *README's question and its kind*), but among the German top 10.
  const german = await ask('LEXICAL', true, { languages: ['de'], k: 10 });
  assert.ok(census(german.hits, 'de', /Laut der Volkszählung von 1901/), JSON.stringify(german.hits));

  // HYBRID (the default) fuses with the checkpoint's list and says how.
  const hybrid = await ask('HYBRID');
  assert.deepEqual(hybrid.retrieval, { mode: 'HYBRID', fusion: { method: 'WEIGHTED', k: null }, dictionary: true });
  assert.equal(hybrid.hits.length, 5);
});
