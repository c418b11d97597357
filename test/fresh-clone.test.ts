// A machine with only the clone: the repository is cloned into a temporary folder with no
// ../shared beside it (and no DATA_DIR, MODELS_DIR or external service), `npm start` runs there,
// and README's example goes through GraphQL to a successful search on the demo bundle. The clone
// gets this checkout's compiled dist/, native kernels and node_modules (what `npm install` would
// build from the same commit) so the test spends its time on the platform, not on compiling.
// One change to the example: the recipe's 4,000 steps become 60 (the example's time is measured by
// bench/cpu-recipe.js, not here).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { collect, freePort, gql as gqlAt, startApp, waitFor, wsClient, type AppProcess } from './support/processes.js';
import { repoRoot } from './support/platform.js';

const README = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
const CENSUS = 'Wie viele Einwohner hatte Warschau im Jahr 1901?';

let parent: string;
let clone: string;
let platform: AppProcess;
let url: string;
const gql = (query: string, variables?: Record<string, unknown>) => gqlAt(url, query, variables);

before(async () => {
  parent = mkdtempSync(path.join(os.tmpdir(), 'xling-fresh-'));
  clone = path.join(parent, 'xling');
  execFileSync('git', ['clone', '-q', repoRoot, clone]);
  cpSync(path.join(repoRoot, 'dist'), path.join(clone, 'dist'), { recursive: true });
  if (existsSync(path.join(repoRoot, 'native', 'build'))) cpSync(path.join(repoRoot, 'native', 'build'), path.join(clone, 'native', 'build'), { recursive: true });
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(clone, 'node_modules'));
  assert.ok(!existsSync(path.join(parent, 'shared')) && !existsSync(path.join(clone, 'data')) && !existsSync(path.join(clone, 'models')));

  const port = await freePort();
  const env: Record<string, string> = { PORT: String(port) };
  // Nothing of this machine's set-up may leak in: the child sees only the clone.
  const cleared = ['DATA_DIR', 'MODELS_DIR', 'XLING_HOME', 'DATABASE_URL', 'NATS_URL', 'QDRANT_URL', 'IMPORT_ROOTS', 'AUTH', 'HOST', 'DATA_MIRROR'];
  for (const name of cleared) env[name] = '';
  platform = startApp('deploy/embedded.js', env, [], [], { cwd: clone, distRoot: path.join(clone, 'dist') });
  url = `http://127.0.0.1:${port}/graphql`;
  await waitFor(`npm start in the clone\n${platform.output()}`, async () => (await fetch(url.replace('/graphql', '/healthz')).catch(() => undefined))?.ok, 120_000);
  // The dashboard's URL is printed beside the GraphQL URL, and the page is served there.
  await waitFor(`the printed URLs\n${platform.output()}`, () => platform.output().includes(`GraphQL: ${url}`) && platform.output().includes(`Dashboard: ${url.replace('/graphql', '/')}`));
  const page = await fetch(url.replace('/graphql', '/'));
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<div id="root"><\/div>/);
});

after(async () => {
  await platform?.kill('SIGKILL');
  rmSync(parent, { recursive: true, force: true });
});

test("README's example on a machine with only the clone: trains, evaluates (sample-sized) and searches", { timeout: 900_000 }, async () => {
  assert.match(platform.output(), /no data folder: data now holds the demo sample/);
  assert.ok(existsSync(path.join(clone, 'data', 'SAMPLE.json')) && existsSync(path.join(clone, 'models', 'xlmr-tokenizer', 'tokenizer.json.gz')));
  // The example as README gives it.
  assert.ok(README.includes('startTrainingRun(input: { recipe: CPU_DEFAULT, evaluationSuites: [XQUAD_R] })'));
  assert.ok(README.includes(`"${CENSUS}"`));

  const { data: catalog } = await gql('{ datasets { name status available } }');
  const status = Object.fromEntries(catalog.datasets.map((d: { name: string; status: string }) => [d.name, d.status]));
  assert.deepEqual([status['xquad-r'], status.ntrex128, status['mlqa-r']], ['SAMPLE', 'SAMPLE', 'MISSING']);

  const started = await gql('mutation { startTrainingRun(input: { recipe: CPU_DEFAULT, evaluationSuites: [XQUAD_R], steps: 60 }) { id status trainDatasets } }');
  assert.equal(started.errors, undefined, JSON.stringify(started.errors));
  const run = started.data.startTrainingRun;
  assert.deepEqual(run.trainDatasets, ['ntrex128'], 'the recipe trains on the sources the folder has');
  const client = wsClient(url);
  try {
    const items = await collect(client, 'subscription($id: ID!) { trainingProgress(runId: $id) { step loss status } }', { id: run.id });
    const last = items.at(-1)!.trainingProgress;
    assert.equal(last.status, 'SUCCEEDED', `${JSON.stringify(items.slice(-3))}\n${platform.output().slice(-3000)}`);
    assert.equal(last.step, 60);
    assert.ok(Number.isFinite(last.loss));
  } finally {
    await client.dispose();
  }

  const evaluated = await gql('mutation($id: ID!) { evaluate(input: { runId: $id, suites: [XQUAD_R] }) { id status } }', { id: run.id });
  assert.equal(evaluated.errors, undefined, JSON.stringify(evaluated.errors));
  const report = await waitFor(`the evaluation\n${platform.output().slice(-2000)}`, async () => {
    const { data } = await gql('query($id: ID!) { evaluations(filter: { runId: $id }) { suite sampleSized queries retrieval { mode } headlines { name estimate lo hi } } jobs(status: FAILED) { error } }', { id: run.id });
    if (data?.jobs?.length) assert.fail(`a job failed: ${JSON.stringify(data.jobs)}`);
    return data?.evaluations?.find((r: { retrieval: unknown }) => r.retrieval);
  }, 300_000);
  assert.equal(report.sampleSized, true);
  assert.equal(report.retrieval.mode, 'HYBRID');
  assert.ok(report.queries > 100, `questions: ${report.queries}`);
  const mono = report.headlines.find((h: { name: string }) => h.name === 'mono.map');
  assert.ok(mono && mono.lo <= mono.estimate && mono.estimate <= mono.hi && mono.estimate > 0.1, JSON.stringify(report.headlines));

  const { data: withCheckpoints } = await gql('query($id: ID!) { run(id: $id) { checkpoints { id step } } }', { id: run.id });
  const checkpoint = withCheckpoints.run.checkpoints.at(-1);
  const indexed = await gql('mutation($id: ID!) { indexCorpus(input: { checkpointId: $id, dataset: "xquad-r" }) { id status } }', { id: checkpoint.id });
  assert.equal(indexed.errors, undefined, JSON.stringify(indexed.errors));
  const collection = await waitFor('the collection', async () => (await gql('{ collections { name size } }')).data?.collections?.[0], 300_000);
  assert.ok(collection.size > 500, `candidates: ${collection.size}`);
  const found = await gql(`query($name: String!) { search(input: { text: "${CENSUS}", k: 5, collection: $name }) { queryLanguage retrieval { mode } hits { score language text } } }`, { name: collection.name });
  assert.equal(found.errors, undefined, JSON.stringify(found.errors));
  assert.equal(found.data.search.queryLanguage, 'de');
  assert.equal(found.data.search.retrieval.mode, 'HYBRID');
  assert.equal(found.data.search.hits.length, 5);
  // Unfiltered, languages whose few matches stand out rank above German (issue 15's open
  // acceptance check); within German, the census sentence of the sample is found.
  const german = await gql(`query($name: String!) { search(input: { text: "${CENSUS}", k: 5, collection: $name, languages: ["de"] }) { hits { language text } } }`, { name: collection.name });
  assert.equal(german.errors, undefined, JSON.stringify(german.errors));
  assert.ok(german.data.search.hits.some((h: { text: string }) => /Volkszählung von 1901/.test(h.text)), JSON.stringify(german.data.search.hits));
});
