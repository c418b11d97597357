import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EvaluationPairRow } from '../../schema/evaluation.js';
import { mtebLanguage, toCsv, toMteb, toMtebFiles, type ExportedReport } from './export.js';

const report: ExportedReport = {
  id: 'r1', suite: 'XQUAD_R', dataset: 'xquad-r', runId: 'run-1', checkpointId: 'ck-9', baseline: null, retrievalMode: 'HYBRID',
  step: null, sampleSized: false, queries: 2, headlines: [], alignment: null, createdAt: new Date('2026-12-05T10:00:00Z'),
};
const row = (setting: EvaluationPairRow['setting'], q: string, c: string, x: number, rankDistance: number | null = null): EvaluationPairRow => ({
  setting, queryLanguage: q, candidateLanguage: c, map: x, recallAt1: x / 2, recallAt10: Math.min(1, x * 1.5), ndcgAt10: x * 0.9, mrrAt10: x * 0.8, rankDistance, count: 10,
});
const rows = [row('MONO', 'de', 'de', 0.8), row('CROSS', 'de', 'zh', 0.2), row('MULTI', 'de', 'all', 0.3, 1234.5)];

test('MTEB result JSON: one file per task and model, a score entry per language pair with MTEB language codes', () => {
  const file = toMteb(report, rows);
  assert.equal(file.path, 'xling__run-run-1__HYBRID/ck-9/XQuADRetrieval.json');
  const json = JSON.parse(file.content);
  assert.equal(json.task_name, 'XQuADRetrieval');
  assert.deepEqual(json.scores.test.map((s: { hf_subset: string }) => s.hf_subset), ['de-de', 'de-zh', 'de-all']);
  const cross = json.scores.test[1];
  assert.deepEqual(cross.languages, ['deu-Latn', 'zho-Hans']);
  assert.equal(cross.main_score, cross.ndcg_at_10);
  assert.deepEqual([cross.ndcg_at_10, cross.map, cross.recall_at_1, cross.recall_at_10, cross.mrr_at_10, cross.queries], [0.2 * 0.9, 0.2, 0.1, 0.2 * 1.5, 0.2 * 0.8, 10]);
  assert.deepEqual(json.scores.test[2].languages, ['deu-Latn'], 'the pooled candidates have no single language');
  assert.equal(json.scores.test[2].rank_distance, 1234.5);
  assert.deepEqual(json.xling, { reportId: 'r1', suite: 'XQUAD_R', taskType: 'Retrieval', retrievalMode: 'HYBRID', sampleSized: false, queries: 2, createdAt: '2026-12-05T10:00:00.000Z', headlines: {} });
});

test('baselines are their own model; XNLI alignment exports translation accuracy per ordered pair as bitext mining', () => {
  assert.equal(toMteb({ ...report, baseline: 'BM25', runId: null, checkpointId: null }, rows).path, 'xling__BM25/no_revision_available/XQuADRetrieval.json');
  const xnli = toMteb({ ...report, suite: 'XNLI_ALIGNMENT', dataset: 'xnli', alignment: { languages: ['en', 'ru', 'th'], translationAccuracy: [[1, 0.7, 0.5], [0.6, 1, 0.4], [0.3, 0.2, 1]] } }, []);
  const json = JSON.parse(xnli.content);
  assert.equal(json.task_name, 'XNLIBitextMining');
  assert.deepEqual(json.scores.test.map((s: { hf_subset: string; accuracy: number }) => [s.hf_subset, s.accuracy]), [['en-ru', 0.7], ['en-th', 0.5], ['ru-en', 0.6], ['ru-th', 0.4], ['th-en', 0.3], ['th-ru', 0.2]]);
  assert.deepEqual(json.scores.test[1].languages, ['eng-Latn', 'tha-Thai']);
  assert.equal(mtebLanguage('xx'), 'xx', 'an unknown code passes through');
  assert.equal(toMteb({ ...report, checkpointId: null, step: 500, retrievalMode: null }, rows).path, 'xling__run-run-1__DENSE/step-500/XQuADRetrieval.json', 'a validation during training');
});

test('reports of one system, revision and task keep every file: the newest the plain path, older ones their report id', () => {
  const newest = { ...report, id: 'new' };
  const files = toMtebFiles([{ report: newest, rows }, { report, rows }, { report: { ...report, id: 'dense', retrievalMode: 'DENSE' }, rows }]);
  assert.deepEqual(files.map((f) => [f.path, JSON.parse(f.content).xling.reportId]), [
    ['xling__run-run-1__HYBRID/ck-9/XQuADRetrieval.json', 'new'],
    ['xling__run-run-1__HYBRID/ck-9__report-r1/XQuADRetrieval.json', 'r1'],
    ['xling__run-run-1__DENSE/ck-9/XQuADRetrieval.json', 'dense'],
  ]);
  assert.equal(toMteb({ ...report, runId: null }, rows).path, 'xling__checkpoint-ck-9__HYBRID/ck-9/XQuADRetrieval.json', 'a checkpoint evaluated by id');
});

test('BUCC mining: one entry per direction with accuracy as the main score, xsim error and their intervals', () => {
  const headlines = [
    { name: 'zh-en.accuracy', estimate: 0.6, lo: 0.5, hi: 0.7 }, { name: 'zh-en.xsimError', estimate: 0.3, lo: 0.2, hi: 0.4 },
    { name: 'en-zh.accuracy', estimate: 0.5, lo: 0.4, hi: 0.6 }, { name: 'en-zh.xsimError', estimate: 0.35, lo: 0.25, hi: 0.45 },
  ];
  const file = toMteb({ ...report, suite: 'BUCC2018', dataset: 'bucc2018', retrievalMode: null, headlines }, []);
  assert.equal(file.path, 'xling__run-run-1__DENSE/ck-9/BUCC.json');
  const json = JSON.parse(file.content);
  assert.deepEqual(json.scores.test, [
    { hf_subset: 'zh-en', languages: ['zho-Hans', 'eng-Latn'], main_score: 0.6, accuracy: 0.6, accuracy_interval: [0.5, 0.7], xsim_error: 0.3, xsim_error_interval: [0.2, 0.4] },
    { hf_subset: 'en-zh', languages: ['eng-Latn', 'zho-Hans'], main_score: 0.5, accuracy: 0.5, accuracy_interval: [0.4, 0.6], xsim_error: 0.35, xsim_error_interval: [0.25, 0.45] },
  ]);
  assert.equal(json.xling.taskType, 'BitextMining');
  assert.deepEqual(json.xling.headlines['zh-en.accuracy'], { estimate: 0.6, lo: 0.5, hi: 0.7 });
});

test('imported suites are tasks named after their dataset: retrieval scores per pair, bitext mining per direction', () => {
  const retrieval = toMteb({ ...report, suite: 'IMPORTED_RETRIEVAL', dataset: 'support-faq' }, []);
  assert.equal(retrieval.path, 'xling__run-run-1__HYBRID/ck-9/support-faq.json');
  assert.deepEqual([JSON.parse(retrieval.content).task_name, JSON.parse(retrieval.content).xling.taskType], ['support-faq', 'Retrieval']);
  const headlines = [{ name: 'de-en.accuracy', estimate: 0.9, lo: 0.8, hi: 0.95 }, { name: 'de-en.xsimError', estimate: 0.05, lo: 0.02, hi: 0.1 }];
  const bitext = JSON.parse(toMteb({ ...report, suite: 'IMPORTED_BITEXT', dataset: 'news', retrievalMode: null, headlines }, []).content);
  assert.deepEqual([bitext.task_name, bitext.xling.taskType, bitext.scores.test.map((s: { hf_subset: string; accuracy: number }) => [s.hf_subset, s.accuracy])], ['news', 'BitextMining', [['de-en', 0.9]]]);
});
