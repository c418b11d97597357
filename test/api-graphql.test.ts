// The gateway end to end over HTTP and WebSocket: embedded PGlite (in memory) and the memory bus.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { JobMessage } from '../schema/jobs.js';
import type { PlatformEvent } from '../schema/events.js';
import { DEFAULT_HYPER_PARAMETERS, DEFAULT_MODEL } from '../schema/training.js';
import { startTestGateway, type TestGateway } from '../api/testing.js';
import { until } from './support/processes.js';

let gw: TestGateway;
const jobs: JobMessage[] = [];
const events: PlatformEvent[] = [];

before(async () => {
  gw = await startTestGateway();
  gw.bus.jobs.consume(async (delivery) => {
    jobs.push(delivery.message);
    await delivery.ack();
  }, { concurrency: 4 });
  gw.bus.events.subscribe((event) => events.push(event));
});
after(() => gw.close());

const RUN_FIELDS = 'id status strategy alpha languages trainDatasets seed experimentId model { family dimension layers pooling } hyperParameters { steps batchSize learningRate warmupSteps scale logEvery }';
const START = `mutation($input: TrainingRunInput!) { startTrainingRun(input: $input) { ${RUN_FIELDS} } }`;

interface RunData {
  id: string;
  status: string;
  strategy: string;
  alpha: number;
  languages: string[];
  experimentId: string | null;
  model: Record<string, unknown>;
  hyperParameters: Record<string, unknown>;
}

async function startRun(input: Record<string, unknown> = {}): Promise<RunData> {
  const result = await gw.request<{ startTrainingRun: RunData }>(START, { input });
  assert.equal(result.errors, undefined, JSON.stringify(result.errors));
  return result.data!.startTrainingRun;
}

const counts = async () => ({ runs: await gw.db.prisma.run.count(), jobs: await gw.db.prisma.job.count() });

describe('HTTP', () => {
  test('GET /healthz answers 200 JSON', async () => {
    const response = await fetch(gw.url.replace('/graphql', '/healthz'));
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  test('introspection shows every operation', async () => {
    const result = await gw.request<{ __schema: Record<string, { fields: Array<{ name: string }> }> }>(
      '{ __schema { queryType { fields { name } } mutationType { fields { name } } subscriptionType { fields { name } } } }',
    );
    const names = (kind: string) => result.data!.__schema[kind]!.fields.map((f) => f.name).sort();
    assert.deepEqual(names('queryType'), ['apiKeys', 'collections', 'compareCollections', 'datasets', 'embed', 'evaluation', 'evaluations', 'experiment', 'experiments', 'exportEvaluations', 'jobs', 'models', 'run', 'runs', 'search', 'searchBatch', 'viewer', 'workers']);
    assert.deepEqual(names('mutationType'), ['cancelRun', 'cancelSweep', 'createApiKey', 'createExperiment', 'evaluate', 'importDataset', 'indexCorpus', 'promoteCollection', 'pullDataset', 'registerModel', 'revokeApiKey', 'startExperiment', 'startSweep', 'startTrainingRun']);
    assert.deepEqual(names('subscriptionType'), ['jobProgress', 'runStatusChanged', 'sweepProgress', 'trainingProgress']);
  });

  test('datasets come from the data folder, with example counts', async () => {
    const result = await gw.request<{ datasets: Array<{ name: string; available: boolean; trainable: boolean; languages: string[]; examples: Array<{ language: string; count: number }> }> }>(
      '{ datasets { name available trainable languages examples { language count } } }',
    );
    const mlqa = result.data!.datasets.find((d) => d.name === 'mlqa-r')!;
    assert.deepEqual(mlqa.languages, ['de', 'en', 'es']);
    assert.equal(mlqa.trainable, true);
    assert.deepEqual(mlqa.examples, [{ language: 'de', count: 3 }, { language: 'en', count: 3 }, { language: 'es', count: 2 }]);
    assert.equal(result.data!.datasets.find((d) => d.name === 'xquad-r')!.available, false);
  });
});

describe('experiments and runs', () => {
  let experimentId: string;

  test('createExperiment, then a duplicate name is BAD_USER_INPUT', async () => {
    const create = 'mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id name description } }';
    const created = await gw.request<{ createExperiment: { id: string; name: string; description: string } }>(create, {
      input: { name: ' hybrid vs mono ', description: 'alpha sweep' },
    });
    assert.equal(created.errors, undefined);
    experimentId = created.data!.createExperiment.id;
    assert.equal(created.data!.createExperiment.name, 'hybrid vs mono');
    const again = await gw.request(create, { input: { name: 'hybrid vs mono' } });
    assert.equal(again.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(again.errors?.[0]?.extensions?.field, 'input.name');
    const listed = await gw.request<{ experiments: Array<{ id: string }> }>('{ experiments { id } }');
    assert.deepEqual(listed.data!.experiments.map((e) => e.id), [experimentId]);
  });

  test('startTrainingRun writes a QUEUED run with defaults and publishes one TRAIN job', async () => {
    const before = await counts();
    const jobsBefore = jobs.length;
    const run = await startRun({ experimentId, strategy: 'HYBRID', alpha: 0.4, languages: ['en', 'de'], steps: 20 });
    assert.equal(run.status, 'QUEUED');
    assert.equal(run.alpha, 0.4);
    assert.equal(run.experimentId, experimentId);
    assert.deepEqual(run.model, { family: DEFAULT_MODEL.family, dimension: DEFAULT_MODEL.dimension, layers: 0, pooling: 'MEAN' });
    assert.equal(run.hyperParameters.steps, 20);
    assert.equal(run.hyperParameters.batchSize, DEFAULT_HYPER_PARAMETERS.batchSize);
    assert.deepEqual(await counts(), { runs: before.runs + 1, jobs: before.jobs + 1 });

    const row = await gw.db.prisma.job.findFirstOrThrow({ where: { runId: run.id } });
    assert.equal(row.kind, 'TRAIN');
    assert.equal(row.status, 'QUEUED');
    await until(() => jobs.length > jobsBefore, 'the job message');
    assert.deepEqual(jobs.slice(jobsBefore), [{ jobId: row.id, kind: 'TRAIN', runId: run.id }]);
    await until(() => events.some((e) => e.type === 'runStatus' && e.runId === run.id && e.status === 'QUEUED'), 'QUEUED event');
    const stored = await gw.db.prisma.run.findUniqueOrThrow({ where: { id: run.id } });
    assert.deepEqual(stored.model, { ...DEFAULT_MODEL });
    assert.deepEqual(stored.hyperParameters, { ...DEFAULT_HYPER_PARAMETERS, steps: 20 });
    assert.deepEqual(stored.evaluationSuites, []);
    assert.equal((stored.hyperParameters as { steps: number }).steps, 20);
  });

  test('the new model, loss, validation and checkpoint options and the evaluation suites are stored and returned', async () => {
    const query = `mutation($input: TrainingRunInput!) { startTrainingRun(input: $input) {
      id evaluationSuites model { tokenizer ffnDimension family layers heads dimension }
      hyperParameters { symmetricLoss gradientClipNorm validationFraction validateEvery earlyStoppingPatience checkpointEvery } } }`;
    const input = {
      trainDatasets: ['pawsx'], languages: ['en', 'de'],
      model: { family: 'TRANSFORMER', layers: 2, dimension: 64, heads: 4, tokenizer: 'HASHED', ffnDimension: 128 },
      symmetricLoss: true, gradientClipNorm: 0.5, validationFraction: 0.1, validateEvery: 10, earlyStoppingPatience: 2, checkpointEvery: 25,
      evaluationSuites: ['MLQA_R'],
    };
    const result = await gw.request<{ startTrainingRun: Record<string, unknown> & { id: string } }>(query, { input });
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    const run = result.data!.startTrainingRun;
    const expectedHyper = { symmetricLoss: true, gradientClipNorm: 0.5, validationFraction: 0.1, validateEvery: 10, earlyStoppingPatience: 2, checkpointEvery: 25 };
    assert.deepEqual(run.evaluationSuites, ['MLQA_R']);
    assert.deepEqual(run.model, { tokenizer: 'HASHED', ffnDimension: 128, family: 'TRANSFORMER', layers: 2, heads: 4, dimension: 64 });
    assert.deepEqual(run.hyperParameters, expectedHyper);
    const row = await gw.db.prisma.run.findUniqueOrThrow({ where: { id: run.id } });
    assert.deepEqual(row.evaluationSuites, ['MLQA_R']);
    assert.deepEqual(row.model, { ...DEFAULT_MODEL, ...input.model });
    assert.deepEqual(row.hyperParameters, { ...DEFAULT_HYPER_PARAMETERS, ...expectedHyper });
  });

  test('the same idempotency key returns the same run and writes nothing more', async () => {
    const first = await startRun({ idempotencyKey: 'retry-me' });
    const before = await counts();
    const second = await startRun({ idempotencyKey: 'retry-me' });
    assert.equal(second.id, first.id);
    assert.deepEqual(await counts(), before);
  });

  test('bad input is BAD_USER_INPUT naming the field and value, and writes nothing', async () => {
    const cases: Array<[Record<string, unknown>, string, unknown, RegExp]> = [
      [{ alpha: 1.5 }, 'input.alpha', 1.5, /^input\.alpha: 1\.5 is not in \[0, 1\]$/],
      [{ languages: ['en', 'fr'] }, 'input.languages[1]', 'fr', /not available in dataset mlqa-r/],
      [{ strategy: 'CROSS', languages: ['en'] }, 'input.languages', ['en'], /at least 2/],
      [{ trainDatasets: ['nope'] }, 'input.trainDatasets[0]', 'nope', /not a known dataset/],
      [{ trainDatasets: ['xquad-r'] }, 'input.trainDatasets[0]', 'xquad-r', /no files/],
      [{ trainDatasets: ['bucc2018'], languages: ['en', 'zh'] }, 'input.trainDatasets[0]', 'bucc2018', /BITEXT.*trainable: mlqa-r, pawsx\)$/],
      [{ evaluationSuites: ['MLQA_R'] }, 'input.trainDatasets', ['mlqa-r'], /training on "mlqa-r" while evaluating on MLQA_R leaks the evaluation set/],
      [{ evaluationSuites: ['XQUAD_R'] }, 'input.evaluationSuites[0]', 'XQUAD_R', /needs dataset xquad-r, which has no files/],
      [{ validationFraction: 0.5 }, 'input.validationFraction', 0.5, /\[0, 0\.5\)/],
      [{ gradientClipNorm: -1 }, 'input.gradientClipNorm', -1, /0 turns clipping off/],
      [{ validateEvery: 0 }, 'input.validateEvery', 0, /\[1, 1000000\]/],
      [{ checkpointEvery: 0 }, 'input.checkpointEvery', 0, /\[1, 1000000\]/],
      [{ earlyStoppingPatience: -1 }, 'input.earlyStoppingPatience', -1, /\[0, 1000000\]/],
      [{ model: { ffnDimension: 9000 } }, 'input.model.ffnDimension', 9000, /\[1, 8192\]/],
      [{ model: { vocabularySize: 8 } }, 'input.model.vocabularySize', 8, /\[16, 262144\]/],
      [{ model: { maxLength: 1024 } }, 'input.model.maxLength', 1024, /\[4, 512\]/],
      [{ model: { family: 'TRANSFORMER', layers: 1, dimension: 64, heads: 6 } }, 'input.model.heads', 6, /does not divide dimension 64/],
      [{ steps: 0 }, 'input.steps', 0, /\[1, 1000000\]/],
      [{ batchSize: 1 }, 'input.batchSize', 1, /\[2, 4096\]/],
      [{ learningRate: 0 }, 'input.learningRate', 0, /\(0, 1\]/],
      [{ model: { family: 'BAG_OF_SUBWORDS', layers: 3 } }, 'input.model.layers', 3, /BAG_OF_SUBWORDS/],
      [{ experimentId: 'no-such-experiment' }, 'input.experimentId', 'no-such-experiment', /not the id of an experiment/],
      // Rejected by GraphQL coercion before the resolver; the gateway adds field and value.
      [{ strategy: 'RANDOM' }, 'input.strategy', 'RANDOM', /RANDOM/],
      [{ seed: 1.5 }, 'input.seed', 1.5, /non-integer/],
      [{ model: { tokenizer: 'BPE' } }, 'input.model.tokenizer', 'BPE', /TokenizerName/],
      [{ evaluationSuites: ['SQUAD'] }, 'input.evaluationSuites[0]', 'SQUAD', /EvaluationSuite/],
      [{ symmetricLoss: 'yes' }, 'input.symmetricLoss', 'yes', /Boolean/],
    ];
    const before = await counts();
    const jobsBefore = jobs.length;
    for (const [input, field, value, message] of cases) {
      const result = await gw.request(START, { input });
      const error = result.errors?.[0];
      assert.ok(error, `no error for ${JSON.stringify(input)}`);
      assert.equal(error.extensions?.code, 'BAD_USER_INPUT', error.message);
      assert.equal(error.extensions?.field, field);
      assert.deepEqual(error.extensions?.value, value);
      assert.match(error.message, message);
    }
    assert.deepEqual(await counts(), before);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(jobs.length, jobsBefore, 'no job published');
  });

  test('runs: Relay pagination over a filter, newest first', async () => {
    const exp = await gw.request<{ createExperiment: { id: string } }>(
      'mutation { createExperiment(input: { name: "paging" }) { id } }',
    );
    const pagingId = exp.data!.createExperiment.id;
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await startRun({ experimentId: pagingId, seed: i })).id);

    const query = `query($filter: RunFilter, $first: Int, $after: String) {
      runs(filter: $filter, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id seed } } } }`;
    type Page = { runs: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: Array<{ cursor: string; node: { id: string } }> } };
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const result: { data?: Page | null; errors?: unknown } = await gw.request<Page>(query, { filter: { experimentId: pagingId }, first: 2, after });
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      const { runs } = result.data!;
      assert.equal(runs.totalCount, 5);
      pages += 1;
      seen.push(...runs.edges.map((e) => e.node.id));
      assert.equal(runs.pageInfo.endCursor, runs.edges.at(-1)?.cursor ?? null);
      if (!runs.pageInfo.hasNextPage) break;
      after = runs.pageInfo.endCursor;
    }
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...created].reverse());

    const filtered = await gw.request<Page>(query, { filter: { experimentId: pagingId, status: 'CANCELLED' } });
    assert.equal(filtered.data!.runs.totalCount, 0);
    const badCursor = await gw.request(query, { after: 'garbage' });
    assert.equal(badCursor.errors?.[0]?.extensions?.field, 'after');
  });

  test('cancelRun cancels a queued run and its job, then refuses a second time', async () => {
    const run = await startRun();
    const cancel = 'mutation($id: ID!) { cancelRun(id: $id) { id status finishedAt } }';
    const result = await gw.request<{ cancelRun: { id: string; status: string; finishedAt: string | null } }>(cancel, { id: run.id });
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    assert.equal(result.data!.cancelRun.status, 'CANCELLED');
    assert.ok(result.data!.cancelRun.finishedAt);
    const job = await gw.db.prisma.job.findFirstOrThrow({ where: { runId: run.id } });
    assert.equal(job.status, 'CANCELLED');
    await until(() => events.some((e) => e.type === 'cancelRun' && e.runId === run.id), 'cancelRun event');
    await until(() => events.some((e) => e.type === 'runStatus' && e.runId === run.id && e.status === 'CANCELLED'), 'CANCELLED event');

    const again = await gw.request(cancel, { id: run.id });
    assert.equal(again.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(again.errors?.[0]?.extensions?.field, 'id');
    assert.equal(again.errors?.[0]?.extensions?.value, run.id);
    assert.match(again.errors![0]!.message, new RegExp(`${run.id}.*CANCELLED`));

    const unknown = await gw.request(cancel, { id: 'missing' });
    assert.equal(unknown.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });

  test('run(id) resolves metrics, jobs and experiment', async () => {
    const run = await startRun({ experimentId });
    await gw.db.prisma.metricPoint.createMany({
      data: [
        { runId: run.id, step: 5, name: 'loss', value: 2 },
        { runId: run.id, step: 5, name: 'learning_rate', value: 0.001 },
        { runId: run.id, step: 10, name: 'loss', value: 1 },
      ],
    });
    const result = await gw.request<{ run: { metrics: Array<{ step: number; name: string; value: number }>; jobs: Array<{ kind: string }>; experiment: { id: string }; checkpoints: unknown[]; evaluations: unknown[] } }>(
      `query($id: ID!) { run(id: $id) { metrics(names: ["loss"], sinceStep: 6) { step name value } jobs { kind } experiment { id } checkpoints { id } evaluations { id } } }`,
      { id: run.id },
    );
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    assert.deepEqual(result.data!.run.metrics, [{ step: 10, name: 'loss', value: 1 }]);
    assert.deepEqual(result.data!.run.jobs, [{ kind: 'TRAIN' }]);
    assert.equal(result.data!.run.experiment.id, experimentId);
    const jobsQuery = await gw.request<{ jobs: Array<{ runId: string; status: string }> }>(
      'query($runId: ID) { jobs(runId: $runId, status: QUEUED) { runId status } }',
      { runId: run.id },
    );
    assert.deepEqual(jobsQuery.data!.jobs, [{ runId: run.id, status: 'QUEUED' }]);
    const none = await gw.request<{ run: null }>('{ run(id: "missing") { id } }');
    assert.equal(none.data!.run, null);
  });
});

describe('subscriptions over graphql-ws', () => {
  let client: Client;
  before(() => {
    client = createClient({ url: gw.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
  });
  after(() => client.dispose());

  const PROGRESS = `subscription($runId: ID!, $sinceStep: Int) { trainingProgress(runId: $runId, sinceStep: $sinceStep) {
    runId step totalSteps loss learningRate pairsPerSecond status error replayed batchComposition { pair count } } }`;

  test('trainingProgress replays stored steps, streams bus events, and completes on a terminal status', async () => {
    const run = await startRun({ steps: 30 });
    await gw.db.prisma.metricPoint.createMany({
      data: [
        { runId: run.id, step: 5, name: 'loss', value: 2.5 },
        { runId: run.id, step: 5, name: 'learning_rate', value: 0.001 },
        { runId: run.id, step: 5, name: 'pairs_per_second', value: 40 },
        { runId: run.id, step: 10, name: 'loss', value: 2 },
        { runId: run.id, step: 1, name: 'loss', value: 3 },
      ],
    });
    const items: Array<Record<string, unknown>> = [];
    let completed = false;
    const done = (async () => {
      for await (const result of client.iterate({ query: PROGRESS, variables: { runId: run.id, sinceStep: 5 } })) {
        assert.equal(result.errors, undefined, JSON.stringify(result.errors));
        items.push(result.data!.trainingProgress as Record<string, unknown>);
      }
      completed = true;
    })();

    await until(() => items.length >= 2, 'replayed items');
    const at = new Date().toISOString();
    const publish = (event: PlatformEvent) => gw.bus.events.publish(event);
    // Step 10 again (already replayed) must not repeat; step 15 is new.
    for (const step of [10, 15]) {
      publish({
        type: 'progress', runId: run.id, step, totalSteps: 30, loss: 1.5, learningRate: 0.0009, pairsPerSecond: 55,
        status: 'RUNNING', batchComposition: { 'en-de': 20, 'es-es': 12 }, at,
      });
    }
    publish({ type: 'progress', runId: 'another-run', step: 16, totalSteps: 30, loss: 9, learningRate: 1, pairsPerSecond: 1, status: 'RUNNING', batchComposition: {}, at });
    await until(() => items.length >= 3, 'live item');
    publish({ type: 'runStatus', runId: run.id, status: 'SUCCEEDED', error: null, at });
    await done;

    assert.equal(completed, true);
    assert.deepEqual(items, [
      { runId: run.id, step: 5, totalSteps: 30, loss: 2.5, learningRate: 0.001, pairsPerSecond: 40, status: 'RUNNING', error: null, replayed: true, batchComposition: [] },
      { runId: run.id, step: 10, totalSteps: 30, loss: 2, learningRate: null, pairsPerSecond: null, status: 'RUNNING', error: null, replayed: true, batchComposition: [] },
      {
        runId: run.id, step: 15, totalSteps: 30, loss: 1.5, learningRate: 0.0009, pairsPerSecond: 55, status: 'RUNNING', error: null, replayed: false,
        batchComposition: [{ pair: 'en-de', count: 20 }, { pair: 'es-es', count: 12 }],
      },
      {
        runId: run.id, step: 15, totalSteps: 30, loss: 1.5, learningRate: 0.0009, pairsPerSecond: 55, status: 'SUCCEEDED', error: null, replayed: false,
        batchComposition: [{ pair: 'en-de', count: 20 }, { pair: 'es-es', count: 12 }],
      },
    ]);
  });

  test('trainingProgress of a finished run replays and completes at once; unknown run is NOT_FOUND', async () => {
    const run = await startRun();
    await gw.request('mutation($id: ID!) { cancelRun(id: $id) { id } }', { id: run.id });
    const statuses: string[] = [];
    for await (const result of client.iterate({ query: PROGRESS, variables: { runId: run.id } })) {
      statuses.push((result.data!.trainingProgress as { status: string }).status);
    }
    assert.deepEqual(statuses, ['CANCELLED']);

    const errors: unknown[] = [];
    try {
      for await (const result of client.iterate({ query: PROGRESS, variables: { runId: 'missing' } })) errors.push(...(result.errors ?? []));
    } catch (error) {
      errors.push(...(Array.isArray(error) ? error : [error]));
    }
    assert.equal((errors[0] as { extensions?: { code?: string } }).extensions?.code, 'NOT_FOUND');
  });

  test('runStatusChanged delivers status events of the chosen run only', async () => {
    const run = await startRun();
    const other = await startRun();
    const seen: Array<{ runId: string; status: string }> = [];
    const iterator = client.iterate<{ runStatusChanged: { runId: string; status: string } }>({
      query: 'subscription($runId: ID) { runStatusChanged(runId: $runId) { runId status error at } }',
      variables: { runId: run.id },
    });
    const reading = (async () => {
      for await (const result of iterator) {
        seen.push(result.data!.runStatusChanged);
        if (result.data!.runStatusChanged.status === 'CANCELLED') break;
      }
    })();
    // The server subscribes asynchronously; repeat a RUNNING event until it gets through.
    const at = new Date().toISOString();
    while (seen.length === 0) {
      gw.bus.events.publish({ type: 'runStatus', runId: other.id, status: 'RUNNING', error: null, at });
      gw.bus.events.publish({ type: 'runStatus', runId: run.id, status: 'RUNNING', error: null, at });
      await new Promise((r) => setTimeout(r, 20));
    }
    await gw.request('mutation($id: ID!) { cancelRun(id: $id) { id } }', { id: run.id });
    await reading;
    assert.ok(seen.every((s) => s.runId === run.id));
    assert.equal(seen.at(-1)!.status, 'CANCELLED');
  });
});
