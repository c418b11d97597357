// Every root operation against every role: anonymous callers are refused before anything runs,
// readers read, trainers also train and import, admins also manage keys and models. The table
// must name every field of the schema, so a new operation cannot ship without a role.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createApiKey } from '../api/auth/api-keys.js';
import { startTestGateway, type TestGateway } from '../api/testing.js';
import type { Role } from '../schema/auth.js';

type Needed = Role;

/** Root field -> [role it needs, an operation calling it]. */
const OPERATIONS: Record<string, [Needed, string]> = {
  // Queries: reader.
  viewer: ['reader', '{ viewer { name role } }'],
  runs: ['reader', '{ runs(first: 1) { totalCount } }'],
  run: ['reader', '{ run(id: "none") { id } }'],
  experiments: ['reader', '{ experiments { id } }'],
  experiment: ['reader', '{ experiment(id: "none") { id } }'],
  evaluations: ['reader', '{ evaluations(first: 1) { id } }'],
  jobs: ['reader', '{ jobs(first: 1) { id } }'],
  exportEvaluations: ['reader', '{ exportEvaluations(first: 1) { path } }'],
  workers: ['reader', '{ workers { id } }'],
  datasets: ['reader', '{ datasets { name } }'],
  collections: ['reader', '{ collections { id } }'],
  models: ['reader', '{ models { name } }'],
  search: ['reader', '{ search(input: { collection: "none", text: "x" }) { hits { text } } }'],
  searchBatch: ['reader', '{ searchBatch(inputs: [{ collection: "none", text: "x" }]) { hits { text } } }'],
  compareCollections: ['reader', '{ compareCollections(collections: ["a", "b"], text: "x") { hits { text } } }'],
  embed: ['reader', '{ embed(model: "none", texts: ["x"]) }'],
  // Admin-only queries.
  apiKeys: ['admin', '{ apiKeys { name } }'],
  evaluation: ['reader', '{ evaluation(id: "00000000-0000-0000-0000-000000000000") { id } }'],
  // Mutations: trainer.
  startTrainingRun: ['trainer', 'mutation { startTrainingRun(input: { steps: 5, batchSize: 2, languages: ["en", "de"], trainDatasets: ["mlqa-r"] }) { id } }'],
  cancelRun: ['trainer', 'mutation { cancelRun(id: "none") { id } }'],
  createExperiment: ['trainer', 'mutation { createExperiment(input: { name: "roles-%ROLE%" }) { id } }'],
  startExperiment: ['trainer', 'mutation { startExperiment(input: { preset: SMOKE, name: "x-%ROLE%" }) { id } }'],
  startSweep: ['trainer', 'mutation { startSweep(input: { name: "sweep-%ROLE%", base: { steps: 5, batchSize: 2, languages: ["en", "de"], trainDatasets: ["mlqa-r"] }, grid: { seed: [1, 2] }, metric: { suite: XQUAD_R } }) { id } }'],
  cancelSweep: ['trainer', 'mutation { cancelSweep(id: "none") { id } }'],
  evaluate: ['trainer', 'mutation { evaluate(input: { baseline: BM25, suites: [MLQA_R] }) { id } }'],
  importDataset: ['trainer', 'mutation { importDataset(input: { name: "roles-%ROLE%", path: "none.jsonl" }) { name } }'],
  indexCorpus: ['trainer', 'mutation { indexCorpus(input: { checkpointId: "none", dataset: "mlqa-r" }) { id } }'],
  promoteCollection: ['trainer', 'mutation { promoteCollection(alias: "a", collectionId: "none") { id } }'],
  // Mutations: admin.
  registerModel: ['admin', 'mutation { registerModel(input: { name: "m-%ROLE%", path: "none" }) { name } }'],
  createApiKey: ['admin', 'mutation { createApiKey(name: "made-by-%ROLE%", role: "reader") { secret } }'],
  revokeApiKey: ['admin', 'mutation { revokeApiKey(key: "no-such-key") { name } }'],
  pullDataset: ['admin', 'mutation { pullDataset(input: { name: "muse" }) { id } }'],
};

const SUBSCRIPTIONS = ['jobProgress', 'runStatusChanged', 'sweepProgress', 'trainingProgress'];

describe('role matrix (API keys required)', () => {
  let gw: TestGateway;
  const keys = {} as Record<Role, string>;

  before(async () => {
    gw = await startTestGateway({ securityEnv: { AUTH: 'on' } });
    for (const role of ['reader', 'trainer', 'admin'] as const) keys[role] = (await createApiKey(gw.db.prisma, `matrix-${role}`, role)).secret;
  });
  after(() => gw.close());

  test('the table names every root field of the schema', async () => {
    const result = await gw.request<{ __schema: Record<string, { fields: Array<{ name: string }> }> }>(
      '{ __schema { queryType { fields { name } } mutationType { fields { name } } subscriptionType { fields { name } } } }', undefined, keys.reader,
    );
    const fields = (kind: string) => result.data!.__schema[kind]!.fields.map((f) => f.name);
    assert.deepEqual([...fields('queryType'), ...fields('mutationType')].sort(), Object.keys(OPERATIONS).sort());
    assert.deepEqual(fields('subscriptionType').sort(), SUBSCRIPTIONS);
  });

  test('without a key, or with an unknown one, every operation is UNAUTHENTICATED with HTTP 401', async () => {
    for (const [name, [, operation]] of Object.entries(OPERATIONS)) {
      for (const header of [undefined, 'Bearer xlk_not-a-key', 'garbage value']) {
        const response = await fetch(gw.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(header ? { authorization: header } : {}) },
          body: JSON.stringify({ query: operation.replaceAll('%ROLE%', 'anon') }),
        });
        assert.equal(response.status, 401, name);
        const body = (await response.json()) as { data?: unknown; errors: Array<{ extensions: { code: string } }> };
        assert.equal(body.errors[0]!.extensions.code, 'UNAUTHENTICATED', name);
        assert.equal(body.data, undefined, name);
      }
    }
    assert.equal(await gw.db.prisma.run.count(), 0);
    assert.equal(await gw.db.prisma.experiment.count(), 0);
  });

  for (const role of ['reader', 'trainer', 'admin'] as const) {
    test(`${role}: allowed operations run, the others are FORBIDDEN and write nothing`, async () => {
      const ranks = ['reader', 'trainer', 'admin'];
      for (const [name, [needed, operation]] of Object.entries(OPERATIONS)) {
        const before = { runs: await gw.db.prisma.run.count(), keys: await gw.db.prisma.apiKey.count(), experiments: await gw.db.prisma.experiment.count() };
        const result = await gw.request(operation.replaceAll('%ROLE%', role), undefined, keys[role]);
        const codes = (result.errors ?? []).map((e) => e.extensions?.code);
        if (ranks.indexOf(role) >= ranks.indexOf(needed)) {
          assert.ok(!codes.includes('FORBIDDEN') && !codes.includes('UNAUTHENTICATED'), `${role} ${name}: ${JSON.stringify(result.errors)}`);
        } else {
          assert.deepEqual(codes, ['FORBIDDEN'], `${role} ${name}: ${JSON.stringify(result.errors)}`);
          assert.equal(result.data, null, `${role} ${name}`);
          const after = { runs: await gw.db.prisma.run.count(), keys: await gw.db.prisma.apiKey.count(), experiments: await gw.db.prisma.experiment.count() };
          assert.deepEqual(after, before, `${role} ${name} wrote something`);
        }
      }
    });
  }

  test('viewer tells the caller its key and role; runs record who created them', async () => {
    const viewer = await gw.request<{ viewer: { name: string; role: string } }>('{ viewer { name role } }', undefined, keys.trainer);
    assert.deepEqual(viewer.data!.viewer, { name: 'matrix-trainer', role: 'trainer' });
    const runs = await gw.request<{ runs: { edges: Array<{ node: { createdBy: string } }> } }>('{ runs(first: 100) { edges { node { createdBy } } } }', undefined, keys.reader);
    const creators = new Set(runs.data!.runs.edges.map((e) => e.node.createdBy));
    assert.deepEqual([...creators].sort(), ['matrix-admin', 'matrix-trainer']);
  });

  test('a trainer cancels only its own runs; an admin cancels anyone\'s', async () => {
    const other = (await createApiKey(gw.db.prisma, 'matrix-trainer-2', 'trainer')).secret;
    const start = 'mutation { startTrainingRun(input: { steps: 5, batchSize: 2, languages: ["en", "de"], trainDatasets: ["mlqa-r"] }) { id createdBy } }';
    const mine = (await gw.request<{ startTrainingRun: { id: string; createdBy: string } }>(start, undefined, keys.trainer)).data!.startTrainingRun;
    assert.equal(mine.createdBy, 'matrix-trainer');
    const cancel = (id: string, key: string) => gw.request<{ cancelRun: { status: string } }>(`mutation { cancelRun(id: "${id}") { status } }`, undefined, key);
    const refused = await cancel(mine.id, other);
    assert.equal(refused.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.equal(refused.errors?.[0]?.extensions?.field, 'id');
    assert.equal((await gw.db.prisma.run.findUniqueOrThrow({ where: { id: mine.id } })).status, 'QUEUED');
    assert.equal((await cancel(mine.id, keys.trainer)).data?.cancelRun.status, 'CANCELLED');
    const second = (await gw.request<{ startTrainingRun: { id: string } }>(start, undefined, keys.trainer)).data!.startTrainingRun;
    assert.equal((await cancel(second.id, keys.admin)).data?.cancelRun.status, 'CANCELLED');
  });

  test('a revoked key stops working at once; a key created through the API works', async () => {
    const created = await gw.request<{ createApiKey: { secret: string; key: { role: string } } }>(
      'mutation { createApiKey(name: "short-lived", role: "reader") { secret key { role } } }', undefined, keys.admin,
    );
    const secret = created.data!.createApiKey.secret;
    assert.match(secret, /^xlk_/);
    assert.equal((await gw.request('{ viewer { name } }', undefined, secret)).errors, undefined);
    const stored = await gw.db.prisma.apiKey.findUniqueOrThrow({ where: { name: 'short-lived' } });
    assert.notEqual(stored.hash, secret, 'only the hash is stored');
    assert.ok(!JSON.stringify(stored).includes(secret));
    await gw.request('mutation { revokeApiKey(key: "short-lived") { revokedAt } }', undefined, keys.admin);
    const after = await gw.request('{ viewer { name } }', undefined, secret);
    assert.equal(after.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
  });

  test('WebSocket: no key is refused at connection (4403); a reader subscribes with the key in connectionParams', async () => {
    const closed = await new Promise<number>((resolve) => {
      const client = createClient({ url: gw.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, onNonLazyError: () => {}, on: { closed: (event) => resolve((event as { code: number }).code) } });
      client.subscribe({ query: 'subscription { runStatusChanged { runId } }' }, { next: () => {}, error: () => {}, complete: () => {} });
    });
    assert.equal(closed, 4403);
    const client = createClient({ url: gw.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${keys.reader}` } });
    try {
      const received = new Promise<unknown>((resolve, reject) => {
        client.subscribe({ query: 'subscription { runStatusChanged { runId status } }' }, { next: resolve, error: reject, complete: () => {} });
      });
      // Give the subscription a moment to register, then cause a status change.
      await new Promise((r) => setTimeout(r, 200));
      await gw.request('mutation { startTrainingRun(input: { steps: 5, batchSize: 2, languages: ["en", "de"], trainDatasets: ["mlqa-r"] }) { id } }', undefined, keys.admin);
      const item = (await received) as { data: { runStatusChanged: { status: string } } };
      assert.equal(item.data.runStatusChanged.status, 'QUEUED');
    } finally {
      await client.dispose();
    }
  });
});
