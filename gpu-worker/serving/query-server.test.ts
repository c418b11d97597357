import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { ServedResult } from '../../schema/serving.js';
import type { CheckpointEncoderCache } from '../encoding/encoder-cache.js';
import { openEmbeddedStore } from '../vectors/embedded.js';
import { createQueryServer } from './query-server.js';

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
    const server = createQueryServer({ vectors: store, modelsDir: dir, cachedEncoders: 1, batchWaitMs: 0, encoders: fakeEncoders(calls) });
    const request = (text: string, languages?: string[]) => ({ kind: 'search' as const, collection: 'c', checkpoint: 'ckpt', queries: [{ text, k: 3, ...(languages ? { languages } : {}) }] });
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
    const server = createQueryServer({ vectors: store, modelsDir: path.join(dir, 'models'), cachedEncoders: 1, batchWaitMs: 0, encoders: fakeEncoders([]) });
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
