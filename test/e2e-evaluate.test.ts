// Evaluation end to end on the `npm start` path (gateway and worker in one process, embedded
// Postgres, in-process bus), through GraphQL only: train a run that names MLQA_R (validated on a
// subsample while it trains), then evaluate it on the full suite and read the report back.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { collect, freePort, gql, startApp, waitFor, wsClient } from './support/processes.js';
import { START_RUN, dataDir, smallRun } from './support/platform.js';

const home = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-e2e-evaluate-'));
after(() => fs.rm(home, { recursive: true, force: true }));

const RUN_STATUS = `query($id: ID!) { run(id: $id) { status startedAt finishedAt jobs { id kind status error } } }`;
const VALIDATIONS = `subscription($runId: ID!) { trainingProgress(runId: $runId) { step status validations { suite headlines { name value } } } }`;
const EVALUATE = `mutation($input: EvaluateInput!) { evaluate(input: $input) { id kind status runId } }`;
const EVALUATIONS = `query($filter: EvaluationFilter) { evaluations(filter: $filter) {
  jobId runId checkpointId suite step queries headlines { name estimate lo hi } retrieval { mode fusion { method k denseWeight } dictionary }
  map: matrix(metric: MAP, setting: MONO_CROSS) { queryLanguages candidateLanguages values } } }`;

/** Evaluates through GraphQL, waits for the job and returns its one report. */
async function evaluateAndRead(url: string, input: Record<string, unknown>, output: () => string): Promise<Report> {
  const started = await gql(url, EVALUATE, { input });
  assert.equal(started.errors, undefined, JSON.stringify(started.errors));
  const jobId = started.data.evaluate.id as string;
  const job = await waitFor(`EVALUATE ${JSON.stringify(input)}\n${output()}`, async () => {
    const { data } = await gql(url, '{ jobs(first: 50) { id status error } }');
    const found = data.jobs.find((j: { id: string }) => j.id === jobId);
    return ['SUCCEEDED', 'FAILED'].includes(found?.status) && found;
  }, 240_000);
  assert.equal(job.status, 'SUCCEEDED', job.error);
  const { data } = await gql<{ evaluations: Report[] }>(url, EVALUATIONS, { filter: { jobId } });
  assert.equal(data!.evaluations.length, 1);
  return data!.evaluations[0]!;
}

interface Report {
  jobId: string | null;
  checkpointId: string | null;
  suite: string;
  step: number | null;
  queries: number;
  headlines: Array<{ name: string; estimate: number; lo: number; hi: number }>;
  map: { queryLanguages: string[]; candidateLanguages: string[]; values: Array<Array<number | null>> };
  retrieval: { mode: string; fusion: { method: string; k: number | null; denseWeight: number | null } | null; dictionary: boolean } | null;
}

test('a run trained on XQuAD-R is evaluated on MLQA-R through GraphQL', async () => {
  const port = await freePort();
  const env = { PORT: String(port), XLING_HOME: home, DATA_DIR: dataDir, DATABASE_URL: '', NATS_URL: '' };
  const app = startApp('deploy/embedded.js', env);
  const url = `http://127.0.0.1:${port}/graphql`;
  try {
    await waitFor(`embedded platform\n${app.output()}`, () => app.output().includes(url));
    const started = await gql(url, START_RUN, { input: smallRun({ trainDatasets: ['xquad-r'], evaluationSuites: ['MLQA_R'], steps: 10 }) });
    assert.equal(started.errors, undefined, JSON.stringify(started.errors));
    const runId = started.data.startTrainingRun.id as string;
    const trained = await waitFor(`run finished\n${app.output()}`, async () => {
      const { data } = await gql(url, RUN_STATUS, { id: runId });
      return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(data.run.status) && data.run;
    });
    assert.equal(trained.status, 'SUCCEEDED', JSON.stringify(trained.jobs));
    // Its last step was validated on a subsample of MLQA_R; trainingProgress replays it.
    const client = wsClient(url);
    const progress = await collect(client, VALIDATIONS, { runId });
    await client.dispose();
    const validated = progress.map((p) => p.trainingProgress).filter((p) => p.validations.length > 0);
    assert.deepEqual(validated.map((p) => [p.step, p.validations.map((v: { suite: string }) => v.suite)]), [[10, ['MLQA_R']]]);
    const names = validated[0].validations[0].headlines.map((h: { name: string }) => h.name);
    for (const name of ['mono.map', 'cross.map', 'multi.map', 'multi.rankDistance']) assert.ok(names.includes(name), names.join(', '));

    const evaluated = await gql(url, EVALUATE, { input: { runId, suites: ['MLQA_R'], bootstrap: 200, mode: 'DENSE' } });
    assert.equal(evaluated.errors, undefined, JSON.stringify(evaluated.errors));
    const jobId = evaluated.data.evaluate.id as string;
    assert.deepEqual(evaluated.data.evaluate, { id: jobId, kind: 'EVALUATE', status: 'QUEUED', runId });
    const job = await waitFor(`EVALUATE job settled\n${app.output()}`, async () => {
      const { data } = await gql(url, RUN_STATUS, { id: runId });
      const found = data.run.jobs.find((j: { id: string }) => j.id === jobId);
      return ['SUCCEEDED', 'FAILED'].includes(found.status) && found;
    });
    assert.equal(job.status, 'SUCCEEDED', job.error);

    const { data, errors } = await gql<{ evaluations: Report[] }>(url, EVALUATIONS, { filter: { runId } });
    assert.equal(errors, undefined, JSON.stringify(errors));
    const [report, ...others] = data!.evaluations.filter((r) => r.jobId === jobId);
    assert.equal(others.length, 0);
    assert.deepEqual([report!.suite, report!.step, report!.queries], ['MLQA_R', null, 4199]);
    assert.ok(report!.checkpointId, 'the run was evaluated at its checkpoint');
    assert.deepEqual(report!.headlines.slice(0, 3).map((h) => h.name), ['mono.map', 'mono.recall1', 'mono.recall10']);
    assert.equal(report!.headlines.length, 16);
    for (const h of report!.headlines) assert.ok(h.lo <= h.estimate && h.estimate <= h.hi, JSON.stringify(h));
    const languages = ['ar', 'de', 'en', 'es', 'hi', 'vi', 'zh'];
    assert.deepEqual([report!.map.queryLanguages, report!.map.candidateLanguages], [languages, languages]);
    assert.ok(report!.map.values.every((row) => row.length === 7 && row.every((v) => v !== null && v >= 0 && v <= 1)), '7 x 7 mAP values');

    // The periodic validation of the run on its suite, at its last step, is a report too.
    const validations = data!.evaluations.filter((r) => r.jobId === null);
    assert.deepEqual(validations.map((r) => [r.suite, r.step, r.queries]), [['MLQA_R', 10, 1400]]);

    // The serving path: HYBRID (the default) and the lexical baselines, on the first 60 questions of each language.
    const hybrid = await evaluateAndRead(url, { runId, suites: ['MLQA_R'], bootstrap: 100, queriesPerLanguage: 60 }, app.output);
    assert.deepEqual(hybrid.retrieval, { mode: 'HYBRID', fusion: { method: 'WEIGHTED', k: null, denseWeight: 0.2 }, dictionary: true });
    assert.equal(hybrid.queries, 420);
    const bm25 = await evaluateAndRead(url, { baseline: 'BM25', suites: ['MLQA_R'], bootstrap: 100, queriesPerLanguage: 60 }, app.output);
    const dictBm25 = await evaluateAndRead(url, { baseline: 'DICT_BM25', suites: ['MLQA_R'], bootstrap: 100, queriesPerLanguage: 60 }, app.output);
    assert.deepEqual([bm25.retrieval, dictBm25.retrieval].map((r) => [r!.mode, r!.fusion, r!.dictionary]), [['LEXICAL', null, false], ['LEXICAL', null, true]]);
    const map = (r: Report, setting: string) => r.headlines.find((h) => h.name === `${setting}.map`)!.estimate;
    // The dictionary reaches other languages: cross-lingual BM25 gains; monolingual BM25 is the same
    // search but for the query's frequent words, which weigh 0.5 with the dictionaries.
    assert.ok(map(dictBm25, 'cross') > map(bm25, 'cross') + 0.05, `DICT_BM25 cross ${map(dictBm25, 'cross')} vs BM25 ${map(bm25, 'cross')}`);
    assert.ok(Math.abs(map(dictBm25, 'mono') - map(bm25, 'mono')) < 0.05, `DICT_BM25 mono ${map(dictBm25, 'mono')} vs BM25 ${map(bm25, 'mono')}`);
    // A 10-step encoder has learnt almost nothing: fusing it with BM25 adds what BM25 finds.
    assert.ok(map(hybrid, 'mono') > map(report!, 'mono') + 0.05, `HYBRID mono ${map(hybrid, 'mono')} vs DENSE ${map(report!, 'mono')}`);

    // The built-in bitext-mining suite: BUCC 2018 zh-en, both directions, intervals, no pair rows or matrix.
    const mined = await evaluateAndRead(url, { runId, suites: ['BUCC2018'], bootstrap: 100 }, app.output);
    assert.deepEqual([mined.suite, mined.queries, mined.map, mined.retrieval], ['BUCC2018', 257, null, null]);
    assert.deepEqual(mined.headlines.map((h) => h.name).sort(), ['en-zh.accuracy', 'en-zh.xsimError', 'zh-en.accuracy', 'zh-en.xsimError']);
    for (const h of mined.headlines) assert.ok(h.lo <= h.estimate && h.estimate <= h.hi, JSON.stringify(h));

    // Exported: one MTEB result file per report of the run, then one CSV of all their pair rows.
    const exported = await gql(url, 'query($filter: EvaluationFilter) { exportEvaluations(filter: $filter) { path mediaType content } }', { filter: { runId } });
    assert.equal(exported.errors, undefined, JSON.stringify(exported.errors));
    const { data: ofRun } = await gql(url, 'query($filter: EvaluationFilter) { evaluations(filter: $filter) { id pairs { queryLanguage candidateLanguage map ndcgAt10 } } }', { filter: { runId } });
    const files = exported.data.exportEvaluations as Array<{ path: string; mediaType: string; content: string }>;
    // The run's reports: DENSE and HYBRID on its checkpoint, the validation at step 10, BUCC mining.
    assert.deepEqual(files.slice(0, -1).map((f) => f.path.replace(/\/[0-9a-f-]{36}\//, '/<checkpoint>/')).sort(), [
      `xling__run-${runId}__DENSE/<checkpoint>/BUCC.json`,
      `xling__run-${runId}__DENSE/<checkpoint>/MLQARetrieval.json`, `xling__run-${runId}__DENSE/step-10/MLQARetrieval.json`, `xling__run-${runId}__HYBRID/<checkpoint>/MLQARetrieval.json`,
    ]);
    const bucc = JSON.parse(files.find((f) => f.path.endsWith('/BUCC.json'))!.content);
    assert.deepEqual(
      bucc.scores.test.map((s: { hf_subset: string; accuracy: number; xsim_error: number }) => [s.hf_subset, s.accuracy, s.xsim_error]).sort(),
      ['zh-en', 'en-zh'].map((pair) => [pair, mined.headlines.find((h) => h.name === `${pair}.accuracy`)!.estimate, mined.headlines.find((h) => h.name === `${pair}.xsimError`)!.estimate]).sort(),
    );
    for (const file of files.slice(0, -1).filter((f) => !f.path.endsWith('/BUCC.json'))) {
      assert.equal(file.mediaType, 'application/json');
      const json = JSON.parse(file.content);
      const pairs = ofRun.evaluations.find((r: { id: string }) => r.id === json.xling.reportId).pairs as Array<{ queryLanguage: string; candidateLanguage: string; map: number; ndcgAt10: number }>;
      assert.deepEqual(
        json.scores.test.map((s: { hf_subset: string; map: number; main_score: number }) => [s.hf_subset, s.map, s.main_score]).sort(),
        pairs.map((p) => [`${p.queryLanguage}-${p.candidateLanguage}`, p.map, p.ndcgAt10]).sort(),
        'a score per pair row, nDCG@10 as the main score',
      );
    }
    const csv = files.at(-1)!;
    assert.deepEqual([csv.path, csv.mediaType], ['evaluations.csv', 'text/csv']);
    const pairRows = ofRun.evaluations.reduce((n: number, r: { pairs: unknown[] }) => n + r.pairs.length, 0);
    assert.equal(csv.content.trimEnd().split('\r\n').length, 1 + pairRows, 'a header and every pair row');
    assert.equal(ofRun.evaluations.length, 4);

    // Evaluating the run changed nothing about it.
    const { data: after } = await gql(url, RUN_STATUS, { id: runId });
    assert.deepEqual([after.run.status, after.run.startedAt, after.run.finishedAt], [trained.status, trained.startedAt, trained.finishedAt]);
  } finally {
    assert.equal(await app.kill('SIGTERM'), 0, `clean shutdown\n${app.output()}`);
  }
});
