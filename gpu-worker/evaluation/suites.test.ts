import { DENSE_RETRIEVAL } from '../../schema/serving.js';
import { createLexicalQueries } from '../lexical/query.js';
import { createAnalyzers } from '../lexical/setup.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { RetrievalBenchmark, RetrievalCandidate } from './benchmark.js';
import { runAlignmentSuite, runRetrievalSuite, type PrefixedEncoder } from './suites.js';

const candidate = (language: string, text: string): RetrievalCandidate => ({ language, text, context: text, paragraphIndex: 0, sentenceIndex: 0 });

/** de asks q0 and q1; en asks q0 and q1 too. Candidates: each question's answer sentence and a filler per language. */
const benchmark: RetrievalBenchmark = {
  name: 'mlqa-r',
  languages: ['de', 'en'],
  queries: [
    { id: 'q0', language: 'de', text: 'wo q0', relevant: [0, 3], unit: 0 },
    { id: 'q1', language: 'de', text: 'wer q1', relevant: [1, 4], unit: 1 },
    { id: 'q0', language: 'en', text: 'where q0', relevant: [0, 3], unit: 0 },
    { id: 'q1', language: 'en', text: 'who q1', relevant: [1, 4], unit: 1 },
  ],
  queryRanges: [{ start: 0, end: 2 }, { start: 2, end: 4 }],
  candidates: [candidate('de', 'q0 de'), candidate('de', 'q1 de'), candidate('de', 'filler'), candidate('en', 'q0 en'), candidate('en', 'q1 en'), candidate('en', 'filler')],
  candidateRanges: [{ start: 0, end: 3 }, { start: 3, end: 6 }],
  units: ['q0', 'q1'],
};

/**
 * Texts naming item k (q<k> or s<k>) point along axis k, everything else along axis 7; all share axis 6.
 * With `busyMs`, each call first keeps the thread busy that long; `spent` gathers the seconds inside embed.
 */
function encoder(seen: string[], busyMs = 0, spent = { seconds: 0 }): PrefixedEncoder {
  return {
    queryPrefix: 'Q: ',
    passagePrefix: 'P: ',
    embed: (texts) => {
      const t0 = performance.now();
      while (performance.now() - t0 < busyMs);
      seen.push(...texts);
      const out = tf.tensor2d(texts.map((t) => {
        const k = /[qs](\d)/.exec(t);
        return Array.from({ length: 8 }, (_, i) => (i === (k ? Number(k[1]) : 7) ? 1 : i === 6 ? 1 : 0));
      }));
      spent.seconds += (performance.now() - t0) / 1000;
      return out;
    },
  };
}

/** The phases' seconds: none negative, together no more than the call's wall time (they do not overlap). */
function assertPhases(phases: Record<string, number>, wallSeconds: number) {
  const values = Object.values(phases);
  assert.ok(values.every((s) => s >= 0), JSON.stringify(phases));
  const sum = values.reduce((a, b) => a + b, 0);
  assert.ok(sum <= wallSeconds + 1e-6, `phases ${JSON.stringify(phases)} add up to ${sum} s, more than the ${wallSeconds} s the call took`);
}

test('a retrieval suite: prefixed texts, perfect rankings give 1 everywhere, intervals around the estimates', async () => {
  await tf.setBackend('cpu');
  const seen: string[] = [];
  // Two batches of 5 texts, each embed call busy for 25 ms: encoding takes at least 50 ms.
  const spent = { seconds: 0 };
  let t0 = performance.now();
  const result = await runRetrievalSuite(benchmark, { encoder: encoder(seen, 25, spent), retrieval: DENSE_RETRIEVAL }, { bootstrap: 50, seed: 1, batchSize: 5 });
  let wall = (performance.now() - t0) / 1000;
  assert.deepEqual(seen.slice().sort(), [...benchmark.queries.map((q) => `Q: ${q.text}`), ...benchmark.candidates.map((c) => `P: ${c.text}`)].sort());
  const { evaluation: ev, intervals } = result;
  assert.deepEqual([ev.mono.map, ev.cross.map, ev.multi.map, ev.multi.recall1, ev.multi.rankDistance], [1, 1, 1, 0.5, 1]);
  assert.deepEqual(intervals['mono.map'], { estimate: 1, lo: 1, hi: 1 });
  // seconds.encode is the encoding phase: it holds all the time spent in embed (0.05 s at least)...
  assert.ok(spent.seconds >= 0.05, String(spent.seconds));
  assert.ok(result.seconds.encode >= spent.seconds, `encode ${result.seconds.encode} s, but embed alone took ${spent.seconds} s`);
  // ...and ranking and bootstrap are the rest of the call, not counted twice.
  assertPhases(result.seconds, wall);

  t0 = performance.now();
  const bm25 = await runRetrievalSuite(benchmark, { retrieval: { ...DENSE_RETRIEVAL, mode: 'LEXICAL' }, lexical: createLexicalQueries(createAnalyzers()) }, { bootstrap: 50, seed: 1 });
  wall = (performance.now() - t0) / 1000;
  assert.equal(bm25.seconds.encode, 0);
  assertPhases(bm25.seconds, wall);
  assert.equal(bm25.evaluation.mono.map, 1, 'the question names its answer sentence');
});

test('a cancelled suite stops with the signal reason', async () => {
  const controller = new AbortController();
  controller.abort({ kind: 'shutdown' });
  await assert.rejects(runRetrievalSuite(benchmark, { encoder: encoder([]), retrieval: DENSE_RETRIEVAL }, { bootstrap: 10, seed: 1, signal: controller.signal }), (r) => (r as { kind: string }).kind === 'shutdown');
});

test('an alignment suite embeds every sentence as a passage; identical translations align perfectly', async () => {
  const seen: string[] = [];
  const languages = ['de', 'en', 'fr'];
  const data = { split: 'dev' as const, languages, sentences: languages.map((l) => [0, 1, 2, 3].map((i) => `s${i} ${l}`)) };
  const spent = { seconds: 0 };
  const t0 = performance.now();
  const result = await runAlignmentSuite(data, encoder(seen, 25, spent), { bootstrap: 50, seed: 2, batchSize: 6 });
  const wall = (performance.now() - t0) / 1000;
  assert.ok(result.seconds.encode >= spent.seconds && spent.seconds >= 0.05, `encode ${result.seconds.encode} s, embed ${spent.seconds} s`);
  assertPhases(result.seconds, wall);
  assert.equal(seen.length, 12);
  assert.ok(seen.every((t) => t.startsWith('P: s')));
  const ev = result.evaluation;
  assert.deepEqual([ev.sentences, ev.meanTranslationAccuracy, ev.pooledMap], [4, 1, 1]);
  // Translations have cosine 1, other pairs 1/2 (the shared axis).
  assert.ok(Math.abs(ev.meanSimilarityIndex - 2) < 1e-6, String(ev.meanSimilarityIndex));
  assert.deepEqual(result.pooledMap, { estimate: 1, lo: 1, hi: 1 });
});
