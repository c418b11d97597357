import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { RetrievalSettings, ServedResult } from '../../schema/serving.js';
import { createDictionaryBridge } from '../lexical/dictionary.js';
import { createLexicalQueries } from '../lexical/query.js';
import { createAnalyzers } from '../lexical/setup.js';
import { documentTerms } from '../lexical/terms.js';
import type { CheckpointEncoderCache } from '../encoding/encoder-cache.js';
import { openEmbeddedStore } from '../vectors/embedded.js';
import { createQueryServer } from './query-server.js';

const DENSE: RetrievalSettings = { mode: 'DENSE', fusion: { kind: 'RRF', k: 60 }, dictionary: true };
const lexical = async () => createLexicalQueries(createAnalyzers());

/** An encoder whose vector depends on the text alone, recording every call. */
function fakeEncoders(calls: string[][]): CheckpointEncoderCache {
  const vectorOf = (text: string) => {
    const v = new Float32Array(4);
    for (const [i, ch] of [...text].entries()) v[i % 4]! += ch.codePointAt(0)! % 7 + 1;
    return v;
  };
  const encoder = {
    dimension: 4,
    queryPrefix: '',
    passagePrefix: '',
    async embed(texts: readonly string[]) {
      calls.push([...texts]);
      return texts.map(vectorOf);
    },
  };
  return { get: async () => encoder, acquire: async () => assert.fail('not used'), clear: () => undefined, size: 1 };
}

test('concurrent searches of one collection share one encoder call and get the hits a lone search gets', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'xling-query-server-'));
  const store = await openEmbeddedStore({ dir });
  try {
    await store.createCollection('c', { dimension: 4 });
    const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
    await store.upsert(
      'c',
      words.map((w, i) => {
        const v = new Float32Array([i + 1, (i * 3) % 5 + 1, (i * 7) % 3 + 1, 8 - i]);
        return { id: w, vector: v, payload: { language: i % 2 ? 'de' : 'en', dataset: 'd', documentId: w, groupId: w, text: w } };
      }),
    );
    const calls: string[][] = [];
    const server = createQueryServer({ vectors: store, modelsDir: dir, cachedEncoders: 1, batchWaitMs: 0, encoders: fakeEncoders(calls), lexical });
    const request = (text: string, languages?: string[]) => ({
      kind: 'search' as const,
      collection: 'c',
      checkpoint: 'ckpt',
      languages: ['en', 'de'],
      queries: [{ text, k: 3, queryLanguage: 'en', retrieval: DENSE, ...(languages ? { languages } : {}) }],
    });
    const texts = ['one', 'two words', 'three', 'Vier', 'fünf'];
    const alone = [];
    for (const text of texts) alone.push(await server.handle(request(text, text === 'Vier' ? ['de'] : undefined)));
    assert.equal(calls.length, texts.length);
    calls.length = 0;
    const together = await Promise.all(texts.map((text) => server.handle(request(text, text === 'Vier' ? ['de'] : undefined))));
    assert.deepEqual(calls, [texts], 'one encoder call for the five');
    assert.deepEqual(together, alone);
    const hits = together.map((reply) => (reply.ok ? (reply.value as ServedResult[])[0]!.hits : assert.fail(JSON.stringify(reply))));
    for (const found of hits) assert.equal(found.length, 3);
    assert.ok(hits[3]!.every((h) => h.language === 'de'));

    const unknown = await server.handle({ ...request('x'), collection: 'missing' });
    assert.deepEqual(unknown.ok ? undefined : [unknown.failure.kind, unknown.failure.kind === 'store' && unknown.failure.storeKind], ['store', 'unknown-collection']);
    server.close();
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('model requests outside MODELS_DIR are refused without touching the file system', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'xling-query-server-'));
  const store = await openEmbeddedStore({ dir: path.join(dir, 'vectors') });
  try {
    const server = createQueryServer({ vectors: store, modelsDir: path.join(dir, 'models'), cachedEncoders: 1, batchWaitMs: 0, encoders: fakeEncoders([]), lexical });
    for (const given of ['../outside', '/etc', 'a/../../b']) {
      assert.deepEqual(await server.handle({ kind: 'inspectModel', path: given }), { ok: false, failure: { kind: 'invalid', message: 'model folder is outside MODELS_DIR' } }, given);
    }
    const embedded = await server.handle({ kind: 'embed', model: '../x', texts: ['a'], role: 'QUERY', prefix: true, pooling: 'MEAN', normalize: true, maxLength: 8 });
    assert.equal(embedded.ok, false);
    server.close();
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('modes: LEXICAL finds German and English census sentences for a German question through the dictionary, DENSE does not use it, HYBRID fuses both and says so', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'xling-query-server-'));
  const store = await openEmbeddedStore({ dir });
  try {
    const analyzer = createAnalyzers();
    const sentences: [string, string][] = [
      ['de', 'Laut der Volkszählung von 1901 hatte Warschau 711.988 Einwohner.'],
      ['de', 'Die Universität wurde im Jahr 1816 gegründet.'],
      ['de', 'Der Fluss Weichsel fließt durch die Stadt.'],
      ['en', 'According to the 1901 census, Warsaw had 711,988 inhabitants.'],
      ['en', 'The university was founded in 1816.'],
      ['en', 'The Vistula river flows through the city.'],
    ];
    const averages = new Map(['de', 'en'].map((l) => {
      const own = sentences.filter(([x]) => x === l).map(([, t]) => analyzer(l).terms(t).length);
      return [l, own.reduce((a, b) => a + b, 0) / own.length];
    }));
    await store.createCollection('c', { dimension: 4 });
    await store.upsert('c', sentences.map(([language, text], i) => ({
      id: `p${i}`,
      vector: new Float32Array([1, i, 0, 1]),
      payload: { language, dataset: 'd', documentId: `p${i}`, groupId: `g${i % 3}`, text },
      lexical: documentTerms(language, analyzer(language).terms(text), averages.get(language)!),
    })));
    const bridge = createDictionaryBridge([
      { from: 'de', to: 'en', entries: [['wie', 'how'], ['viele', 'many'], ['einwohner', 'inhabitants'], ['einwohner', 'residents'], ['hatte', 'had'], ['warschau', 'warsaw'], ['jahr', 'year']] },
    ]);
    const server = createQueryServer({
      vectors: store,
      modelsDir: dir,
      cachedEncoders: 1,
      batchWaitMs: 0,
      encoders: fakeEncoders([]),
      lexical: async () => createLexicalQueries(analyzer, bridge),
    });
    const ask = async (retrieval: RetrievalSettings) => {
      const reply = await server.handle({
        kind: 'search',
        collection: 'c',
        checkpoint: 'ckpt',
        languages: ['de', 'en'],
        queries: [{ text: 'Wie viele Einwohner hatte Warschau im Jahr 1901?', k: 3, retrieval }],
      });
      return reply.ok ? (reply.value as ServedResult[])[0]! : assert.fail(JSON.stringify(reply));
    };
    const lexicalResult = await ask({ mode: 'LEXICAL', fusion: { kind: 'RRF', k: 60 }, dictionary: true });
    assert.equal(lexicalResult.queryLanguage, 'de', 'identified by the worker');
    assert.deepEqual(lexicalResult.hits.slice(0, 2).map((h) => h.documentId).sort(), ['p0', 'p3'], JSON.stringify(lexicalResult.hits));
    assert.equal(lexicalResult.retrieval.mode, 'LEXICAL');

    // Without the dictionary only the literal "1901" reaches an English sentence. (Merged by standard
    // scores, that lone English match can outrank the German one: bench/results.md, *README's
    // question and its kind*.)
    const literal = await ask({ mode: 'LEXICAL', fusion: { kind: 'RRF', k: 60 }, dictionary: false });
    assert.deepEqual(literal.hits.filter((h) => h.language === 'en').map((h) => h.documentId), ['p3']);
    assert.equal(literal.hits.filter((h) => h.language === 'de')[0]!.documentId, 'p0');

    const dense = await ask({ mode: 'DENSE', fusion: { kind: 'RRF', k: 60 }, dictionary: true });
    assert.equal(dense.hits.length, 3);
    assert.ok(dense.hits.every((h) => h.score <= 1 + 1e-6), 'cosine scores');

    const hybrid = await ask({ mode: 'HYBRID', fusion: { kind: 'RRF', k: 60 }, dictionary: true });
    assert.deepEqual(hybrid.retrieval, { mode: 'HYBRID', fusion: { kind: 'RRF', k: 60 }, dictionary: true });
    // RRF: each hit's score is the sum of 1/(60 + rank) over the lists it is in.
    const rank = (hits: ServedResult['hits'], id: string) => {
      const i = hits.findIndex((h) => h.documentId === id);
      return i < 0 ? 0 : 1 / (60 + i + 1);
    };
    const lexicalFull = await ask({ mode: 'LEXICAL', fusion: { kind: 'RRF', k: 60 }, dictionary: true });
    for (const hit of hybrid.hits) {
      assert.ok(hit.score > 0);
      assert.ok(hit.score <= 2 / 61 + 1e-12);
    }
    assert.ok(hybrid.hits.some((h) => h.documentId === 'p0'));
    assert.ok(rank(lexicalFull.hits, 'p0') > 0);
    const weighted = await ask({ mode: 'HYBRID', fusion: { kind: 'WEIGHTED', denseWeight: 0 }, dictionary: true });
    assert.deepEqual(weighted.hits.slice(0, 2).map((h) => h.documentId).sort(), ['p0', 'p3'], 'dense weight 0: the lexical order');
    server.close();
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
