// Evaluation on the user's own data, end to end on the `npm start` path through GraphQL only:
// import a retrieval suite in the BEIR layout and one as SQuAD files (one with sentence breaks,
// one without), a line-parallel and an id-paired bitext set; evaluate them with intervals; export
// MTEB JSON; and the zero-shot guard over them (a run naming a suite refuses to train on its text,
// a run that trained on it is refused evaluation on it).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, gql, startApp, waitFor } from './support/processes.js';
import { START_RUN, dataDir, smallRun } from './support/platform.js';

const home = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-e2e-imported-'));
after(() => fs.rm(home, { recursive: true, force: true }));
const imports = path.join(home, 'imports');

const IMPORT = `mutation($input: ImportDatasetInput!) { importDataset(input: $input) {
  name kind evaluation trainable languages groups importFormat importedFiles { role language path bytes } examples { language count } } }`;
const EVALUATE = `mutation($input: EvaluateInput!) { evaluate(input: $input) { id } }`;
const JOB = `query { jobs(first: 50) { id status error suites datasets } }`;
const REPORTS = `query($filter: EvaluationFilter) { evaluations(filter: $filter) {
  id suite dataset queries headlines { name estimate lo hi }
  map: matrix(metric: MAP, setting: MONO_CROSS) { queryLanguages candidateLanguages values }
  pairs { setting queryLanguage candidateLanguage map ndcgAt10 } } }`;

interface SquadFile {
  data: Array<{ paragraphs: Array<{ context: string; sentences?: string[]; sentence_breaks?: Array<[number, number]>; qas: Array<{ id: string; question: string; answers: Array<{ answer_start: number }> }> }> }>;
}

const readJson = async (file: string) => JSON.parse(await fs.readFile(file, 'utf8')) as SquadFile;
const write = (name: string, content: string) => fs.writeFile(path.join(imports, name), content);
const jsonl = (rows: readonly object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** Fixtures from the data folder's real text: XQuAD-R articles and NTREX-128 news lines. */
async function writeFixtures(): Promise<{ squadQuestions: number; beirQueries: number }> {
  await fs.mkdir(imports, { recursive: true });
  const [de, en] = await Promise.all(['de', 'en'].map((l) => readJson(path.join(dataDir, 'xquad-r', `${l}.json`))));
  // SQuAD: the first article; the English file loses its sentence breaks (split on the worker).
  const first = (file: SquadFile) => ({ data: file.data.slice(0, 1) });
  const plainEn = { data: first(en!).data.map((a) => ({ paragraphs: a.paragraphs.map(({ context, qas }) => ({ context, qas })) })) };
  await write('squad-de.json', JSON.stringify(first(de!)));
  await write('squad-en.json', JSON.stringify(plainEn));
  const squadQuestions = [de!, en!].reduce((n, f) => n + f.data[0]!.paragraphs.reduce((m, p) => m + p.qas.length, 0), 0);

  // BEIR: the second article as queries, sentence corpus and qrels; a question's answer sentence
  // in both languages is relevant (translations share the question id).
  const queries: object[] = [];
  const corpus: object[] = [];
  const qrels = ['query-id\tcorpus-id\tscore'];
  for (const [language, file] of [['de', de!], ['en', en!]] as const) {
    file.data[1]!.paragraphs.forEach((p, pi) => {
      p.sentences!.forEach((text, si) => corpus.push({ _id: `${language}-${pi}-${si}`, language, text }));
      for (const qa of p.qas) {
        queries.push({ _id: qa.id, language, text: qa.question });
        const sentence = p.sentence_breaks!.findIndex(([s, e]) => s <= qa.answers[0]!.answer_start && qa.answers[0]!.answer_start < e);
        qrels.push(`${qa.id}\t${language}-${pi}-${sentence}\t1`);
      }
    });
  }
  await write('queries.jsonl', jsonl(queries));
  await write('corpus.jsonl', jsonl(corpus));
  await write('qrels.tsv', qrels.join('\n') + '\n');

  // Bitext: NTREX-128 news lines, line-parallel (300 lines), and id-paired (200 German lines, 250
  // English lines of which 200 are their translations, listed in another order).
  const lines = async (file: string) => (await fs.readFile(path.join(dataDir, 'ntrex128', file), 'utf8')).split('\n');
  const [deu, eng] = await Promise.all([lines('newstest2019-ref.deu.txt'), lines('newstest2019-src.eng.txt')]);
  await write('news.de.txt', deu.slice(0, 300).join('\n') + '\n');
  await write('news.en.txt', eng.slice(0, 300).join('\n') + '\n');
  await write('ids.de.tsv', deu.slice(300, 500).map((s, i) => `de-${i}\t${s}`).join('\n') + '\n');
  await write('ids.en.tsv', eng.slice(300, 550).map((s, i) => `en-${i}\t${s}`).reverse().join('\n') + '\n');
  await write('ids.gold.tsv', deu.slice(300, 500).map((_, i) => `de-${i}\ten-${i}`).join('\n') + '\n');
  return { squadQuestions, beirQueries: queries.length };
}

interface Report {
  id: string;
  suite: string;
  dataset: string;
  queries: number;
  headlines: Array<{ name: string; estimate: number; lo: number; hi: number }>;
  map: { queryLanguages: string[]; candidateLanguages: string[]; values: Array<Array<number | null>> } | null;
  pairs: Array<{ setting: string; queryLanguage: string; candidateLanguage: string; map: number; ndcgAt10: number }>;
}

test('imported retrieval suites and bitext sets are evaluated through GraphQL with intervals and exported as MTEB JSON', async () => {
  const { squadQuestions, beirQueries } = await writeFixtures();
  const port = await freePort();
  const env = { PORT: String(port), XLING_HOME: path.join(home, 'xling'), DATA_DIR: dataDir, IMPORT_ROOTS: imports, DATABASE_URL: '', NATS_URL: '' };
  const app = startApp('deploy/embedded.js', env);
  const url = `http://127.0.0.1:${port}/graphql`;
  const badInput = async (query: string, input: object, field: string, pattern: RegExp) => {
    const { errors } = await gql(url, query, { input });
    assert.equal(errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(errors));
    assert.equal(errors[0].extensions.field, field, errors[0].message);
    assert.match(errors[0].message, pattern);
  };
  const settle = (jobId: string) => waitFor(`job ${jobId}\n${app.output()}`, async () => {
    const { data } = await gql(url, JOB);
    const job = data.jobs.find((j: { id: string }) => j.id === jobId);
    return ['SUCCEEDED', 'FAILED'].includes(job?.status) && job;
  }, 240_000);
  try {
    await waitFor(`embedded platform\n${app.output()}`, () => app.output().includes(url));

    // Refused imports name the field and write nothing.
    await write('bad-qrels.tsv', 'q-none\tde-0-0\t1\n');
    await badInput(IMPORT, { name: 'bad', retrieval: { queries: 'queries.jsonl', corpus: 'corpus.jsonl', qrels: 'bad-qrels.tsv' } }, 'input.retrieval.qrels', /line 1: its query-id is not in queries.jsonl/);
    await badInput(IMPORT, { name: 'bad', retrieval: { queries: 'queries.jsonl', corpus: 'corpus.jsonl' } }, 'input.retrieval.qrels', /is missing/);
    await badInput(IMPORT, { name: 'bad', path: 'queries.jsonl', bitext: { a: { language: 'de', path: 'news.de.txt' }, b: { language: 'en', path: 'news.en.txt' } } }, 'input', /give exactly one of/);
    await badInput(IMPORT, { name: 'bad', bitext: { a: { language: 'de', path: 'news.de.txt' }, b: { language: 'de', path: 'news.en.txt' } } }, 'input.bitext.b.language', /is the language of a/);
    await badInput(IMPORT, { name: 'bad', bitext: { a: { language: 'de', path: 'news.de.txt' }, b: { language: 'en', path: 'ids.en.tsv' } } }, 'input.bitext.b.path', /lines where the de file has 300/);
    await badInput(IMPORT, { name: 'bad', bitext: { a: { language: 'de', path: '../../etc/passwd' }, b: { language: 'en', path: 'news.en.txt' } } }, 'input.bitext.a.path', /is not a file inside the import roots/);
    await badInput(IMPORT, { name: 'bad', retrieval: { squad: [{ language: 'de', path: 'queries.jsonl' }] } }, 'input.retrieval.squad[0].path', /is not valid JSON/);
    const { data: before } = await gql(url, '{ datasets { name } }');
    assert.ok(!before.datasets.some((d: { name: string }) => d.name === 'bad'), 'nothing was recorded');

    const imported = async (input: object) => {
      const { data, errors } = await gql(url, IMPORT, { input });
      assert.equal(errors, undefined, JSON.stringify(errors));
      return data.importDataset;
    };
    const beir = await imported({ name: 'xq-beir', retrieval: { queries: 'queries.jsonl', corpus: 'corpus.jsonl', qrels: 'qrels.tsv' } });
    assert.deepEqual([beir.kind, beir.evaluation, beir.trainable, beir.importFormat, beir.languages, beir.groups * 2], ['RETRIEVAL', true, false, 'BEIR', ['de', 'en'], beirQueries]);
    assert.deepEqual(beir.importedFiles.map((f: { role: string; path: string }) => [f.role, f.path]), [['queries', 'queries.jsonl'], ['corpus', 'corpus.jsonl'], ['qrels', 'qrels.tsv']]);
    const squad = await imported({ name: 'xq-squad', retrieval: { squad: [{ language: 'de', path: 'squad-de.json' }, { language: 'en', path: 'squad-en.json' }] } });
    assert.deepEqual([squad.kind, squad.importFormat, squad.examples.reduce((n: number, e: { count: number }) => n + e.count, 0)], ['RETRIEVAL', 'SQUAD', squadQuestions]);
    const lines = await imported({ name: 'news-lines', bitext: { a: { language: 'de', path: 'news.de.txt' }, b: { language: 'en', path: 'news.en.txt' } } });
    assert.deepEqual([lines.kind, lines.importFormat, lines.groups], ['BITEXT', 'LINE_PARALLEL', 300]);
    const ids = await imported({ name: 'news-ids', bitext: { a: { language: 'de', path: 'ids.de.tsv' }, b: { language: 'en', path: 'ids.en.tsv' }, gold: 'ids.gold.tsv' } });
    assert.deepEqual([ids.importFormat, ids.groups, ids.examples], ['ID_PAIRED', 200, [{ language: 'de', count: 200 }, { language: 'en', count: 250 }]]);

    // Evaluate requests are checked before a job exists.
    await badInput(EVALUATE, { baseline: 'RANDOM', datasets: ['nope'] }, 'input.datasets[0]', /is not an imported dataset/);
    await badInput(EVALUATE, { baseline: 'BM25', datasets: ['news-lines'] }, 'input.datasets[0]', /needs embeddings/);

    // The RANDOM baseline on all four in one job, BM25 on the retrieval suites.
    const random = await gql(url, EVALUATE, { input: { baseline: 'RANDOM', datasets: ['xq-beir', 'xq-squad', 'news-lines', 'news-ids'], bootstrap: 200, mode: 'DENSE' } });
    assert.equal(random.errors, undefined, JSON.stringify(random.errors));
    const randomJob = random.data.evaluate.id as string;
    const randomSettled = await settle(randomJob);
    assert.deepEqual([randomSettled.status, randomSettled.suites, randomSettled.datasets], ['SUCCEEDED', [], ['xq-beir', 'xq-squad', 'news-lines', 'news-ids']], app.output());
    const bm25 = await gql(url, EVALUATE, { input: { baseline: 'BM25', datasets: ['xq-beir', 'xq-squad'], bootstrap: 200 } });
    const bm25Job = bm25.data.evaluate.id as string;
    assert.equal((await settle(bm25Job)).status, 'SUCCEEDED', app.output());

    const reportsOf = async (jobId: string) => {
      const { data, errors } = await gql<{ evaluations: Report[] }>(url, REPORTS, { filter: { jobId } });
      assert.equal(errors, undefined, JSON.stringify(errors));
      return new Map(data!.evaluations.map((r) => [r.dataset, r]));
    };
    const randomReports = await reportsOf(randomJob);
    const bm25Reports = await reportsOf(bm25Job);
    assert.deepEqual([...randomReports.keys()].sort(), ['news-ids', 'news-lines', 'xq-beir', 'xq-squad']);
    for (const name of ['xq-beir', 'xq-squad']) {
      for (const report of [randomReports.get(name)!, bm25Reports.get(name)!]) {
        assert.equal(report.suite, 'IMPORTED_RETRIEVAL');
        const names = report.headlines.map((h) => h.name);
        for (const headline of ['mono.map', 'cross.map', 'multi.map', 'mono.recall10', 'mono.ndcg10', 'multi.rankDistance']) assert.ok(names.includes(headline), names.join(', '));
        for (const h of report.headlines) assert.ok(h.lo <= h.estimate && h.estimate <= h.hi, JSON.stringify(h));
        assert.deepEqual([report.map!.queryLanguages, report.map!.candidateLanguages], [['de', 'en'], ['de', 'en']]);
        assert.deepEqual(report.pairs.map((p) => `${p.setting} ${p.queryLanguage}-${p.candidateLanguage}`).sort(), ['CROSS de-en', 'CROSS en-de', 'MONO de-de', 'MONO en-en', 'MULTI de-all', 'MULTI en-all']);
      }
      const map = (r: Report) => r.headlines.find((h) => h.name === 'mono.map')!;
      assert.ok(map(bm25Reports.get(name)!).lo > map(randomReports.get(name)!).hi, `${name}: BM25 ${JSON.stringify(map(bm25Reports.get(name)!))} above an untrained encoder ${JSON.stringify(map(randomReports.get(name)!))}`);
    }
    assert.equal(randomReports.get('xq-beir')!.queries, beirQueries);
    // Questions whose answer the sentence splitter cuts are left out; nearly all are kept.
    const squadQueries = randomReports.get('xq-squad')!.queries;
    assert.ok(squadQueries <= squadQuestions && squadQueries >= 0.9 * squadQuestions, `${squadQueries} of ${squadQuestions}`);
    for (const [name, gold] of [['news-lines', 300], ['news-ids', 200]] as const) {
      const report = randomReports.get(name)!;
      assert.deepEqual([report.suite, report.queries, report.map, report.pairs], ['IMPORTED_BITEXT', gold, null, []]);
      assert.deepEqual(report.headlines.map((h) => h.name).sort(), ['de-en.accuracy', 'de-en.xsimError', 'en-de.accuracy', 'en-de.xsimError']);
      for (const h of report.headlines) assert.ok(h.lo <= h.estimate && h.estimate <= h.hi && h.estimate >= 0 && h.estimate <= 1, JSON.stringify(h));
    }

    // MTEB JSON: one file per imported suite named after it, scores per language pair.
    const exported = await gql(url, 'query($filter: EvaluationFilter) { exportEvaluations(filter: $filter) { path content } }', { filter: { jobId: randomJob } });
    assert.equal(exported.errors, undefined, JSON.stringify(exported.errors));
    const files = exported.data.exportEvaluations as Array<{ path: string; content: string }>;
    assert.deepEqual(files.map((f) => f.path).sort(), ['evaluations.csv', ...['news-ids', 'news-lines', 'xq-beir', 'xq-squad'].map((n) => `xling__RANDOM/no_revision_available/${n}.json`)].sort());
    for (const [name, report] of randomReports) {
      const json = JSON.parse(files.find((f) => f.path.endsWith(`/${name}.json`))!.content);
      assert.equal(json.task_name, name);
      assert.deepEqual(Object.keys(json.xling.headlines).sort(), report.headlines.map((h) => h.name).sort(), 'the headlines with their intervals');
      if (report.suite === 'IMPORTED_BITEXT') {
        assert.equal(json.xling.taskType, 'BitextMining');
        assert.deepEqual(json.scores.test.map((s: { hf_subset: string; accuracy: number }) => [s.hf_subset, s.accuracy]).sort(),
          ['de-en', 'en-de'].map((pair) => [pair, report.headlines.find((h) => h.name === `${pair}.accuracy`)!.estimate]).sort());
      } else {
        assert.equal(json.xling.taskType, 'Retrieval');
        assert.deepEqual(json.scores.test.map((s: { hf_subset: string; map: number; main_score: number }) => [s.hf_subset, s.map, s.main_score]).sort(),
          report.pairs.map((p) => [`${p.queryLanguage}-${p.candidateLanguage}`, p.map, p.ndcgAt10]).sort());
      }
    }

    // The zero-shot guard. A run naming a suite refuses to train on its text (NTREX-128 holds the news lines)...
    const named = await gql(url, START_RUN, { input: smallRun({ trainDatasets: ['ntrex128'], languages: ['de', 'en'], steps: 10, evaluationDatasets: ['news-lines'] }) });
    assert.equal(named.errors, undefined, JSON.stringify(named.errors));
    const refused = await waitFor(`named run\n${app.output()}`, async () => {
      const { data } = await gql(url, 'query($id: ID!) { run(id: $id) { status error evaluationDatasets } }', { id: named.data.startTrainingRun.id });
      return ['SUCCEEDED', 'FAILED'].includes(data.run.status) && data.run;
    });
    assert.equal(refused.status, 'FAILED');
    assert.deepEqual(refused.evaluationDatasets, ['news-lines']);
    assert.match(refused.error, /refusing to train on evaluation data: \d+ of \d+ groups of ntrex128 hold text of imported suite news-lines/);
    await badInput(START_RUN, smallRun({ evaluationDatasets: ['ntrex128'] }), 'input.evaluationDatasets[0]', /is not an imported evaluation suite/);

    // ...and a run that trained on it without naming it is not evaluated on it; on other data it is.
    const trained = await gql(url, START_RUN, { input: smallRun({ trainDatasets: ['ntrex128'], languages: ['de', 'en'], steps: 10 }) });
    const runId = trained.data.startTrainingRun.id as string;
    const done = await waitFor(`run\n${app.output()}`, async () => {
      const { data } = await gql(url, 'query($id: ID!) { run(id: $id) { status error } }', { id: runId });
      return ['SUCCEEDED', 'FAILED'].includes(data.run.status) && data.run;
    });
    assert.equal(done.status, 'SUCCEEDED', done.error);
    const leaked = await gql(url, EVALUATE, { input: { runId, datasets: ['news-ids'], bootstrap: 100 } });
    const leakedJob = await settle(leaked.data.evaluate.id);
    assert.equal(leakedJob.status, 'FAILED');
    assert.match(leakedJob.error, /refusing to evaluate run .* on news-ids, whose text it trained on/);
    assert.equal((await reportsOf(leaked.data.evaluate.id)).size, 0, 'no report written');
    const clean = await gql(url, EVALUATE, { input: { runId, datasets: ['xq-beir'], bootstrap: 100, mode: 'DENSE' } });
    assert.equal((await settle(clean.data.evaluate.id)).status, 'SUCCEEDED', app.output());
    const [ofRun] = [...(await reportsOf(clean.data.evaluate.id)).values()];
    assert.deepEqual([ofRun!.suite, ofRun!.dataset, ofRun!.queries], ['IMPORTED_RETRIEVAL', 'xq-beir', beirQueries]);
  } finally {
    assert.equal(await app.kill('SIGTERM'), 0, `clean shutdown\n${app.output()}`);
  }
});
