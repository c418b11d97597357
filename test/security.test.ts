// The outside probe's findings, each as it was run: every one must now fail safely (a clear coded
// error, nothing read, nothing written, the gateway still answering).

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createApiKey } from '../api/auth/api-keys.js';
import { startTestGateway, type TestGateway } from '../api/testing.js';

/** An experiment with three runs, for the nesting probes. */
async function seedExperiment(gw: TestGateway): Promise<string> {
  const experiment = await gw.db.prisma.experiment.create({ data: { name: 'nested' } });
  for (let seed = 1; seed <= 3; seed++) {
    await gw.db.prisma.run.create({
      data: { experimentId: experiment.id, strategy: 'HYBRID', alpha: 0.5, model: {}, trainDatasets: ['mlqa-r'], languages: ['en', 'de'], seed, hyperParameters: {} },
    });
  }
  return experiment.id;
}

function nested(id: string, depth: number): string {
  let inner = 'id';
  for (let i = 0; i < depth; i++) inner = `runs { experiment { ${inner} } }`;
  return `{ experiment(id: "${id}") { ${inner} } }`;
}

function rawPost(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, type: String(response.headers['content-type'] ?? ''), text }));
    });
    // The server may answer 413 and close before the whole body is sent.
    request.on('error', reject);
    request.end(body);
  });
}

/** Nothing in an answer may show where the server runs or how it is built. */
function assertNoInternals(text: string, what: string): void {
  assert.ok(!/stacktrace|node_modules|\/work\/|\/tmp\/|\/home\/|\bat [\w.]+ \(/.test(text), `${what} leaks internals: ${text.slice(0, 300)}`);
}

describe('open gateway (embedded on loopback)', () => {
  let gw: TestGateway;
  let experimentId: string;
  before(async () => {
    gw = await startTestGateway();
    experimentId = await seedExperiment(gw);
  });
  after(() => gw.close());

  test('probe 2: a WebSocket from another origin is refused at the upgrade and its mutation never runs', async () => {
    const before = await gw.db.prisma.experiment.count();
    const evil = new WebSocket(gw.wsUrl, 'graphql-transport-ws', { origin: 'http://evil.example' });
    const refused = await new Promise<number>((resolve) => {
      evil.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      evil.on('open', () => {
        evil.send(JSON.stringify({ type: 'connection_init' }));
        evil.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'mutation { createExperiment(input: { name: "pwned" }) { id } }' } }));
        setTimeout(() => resolve(101), 500);
      });
      evil.on('error', () => {});
    });
    assert.equal(refused, 401, 'the upgrade is refused');
    assert.equal(await gw.db.prisma.experiment.count(), before);
    // The page's own origin and non-browser clients (no Origin) still connect.
    const host = new URL(gw.url).host;
    for (const origin of [`http://${host}`, undefined]) {
      const socket = new WebSocket(gw.wsUrl, 'graphql-transport-ws', origin ? { origin } : {});
      await new Promise<void>((resolve, reject) => {
        socket.on('open', () => resolve());
        socket.on('error', reject);
      });
      socket.close();
    }
  });

  test('probe 3: nesting 50 deep is refused by the depth limit before anything runs', async () => {
    const result = await gw.request(nested(experimentId, 25));
    assert.equal(result.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(result.errors![0]!.message, /depth/i);
    assert.equal(result.data, undefined);
    // Within the depth limit the same shape still works.
    const small = await gw.request<{ experiment: { runs: Array<{ experiment: { id: string } }> } }>(nested(experimentId, 1));
    assert.equal(small.data!.experiment.runs.length, 3);
  });

  test('probe 3: lists that fan out within the depth limit are refused by complexity', async () => {
    const query = '{ runs(first: 100) { edges { node { experiment { runs { experiment { runs { id metrics { value } } } } } } } } }';
    const result = await gw.request(query);
    assert.equal(result.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX');
    assert.ok((result.errors![0]!.extensions!.complexity as number) > (result.errors![0]!.extensions!.maxComplexity as number));
  });

  test('probe 3: a thousand aliases are refused (token limit); so are a thousand aliased searches; 16 aliases hit the alias limit', async () => {
    for (const field of ['runs(first: 100) { totalCount }', 'datasets { name }', 'search(input: { collection: "c", text: "t" }) { hits { text } }']) {
      const query = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
      const result = await gw.request(query);
      assert.equal(result.errors?.[0]?.extensions?.code, 'GRAPHQL_PARSE_FAILED', field);
      assert.match(result.errors![0]!.message, /more that 2000 tokens/);
      assert.equal(result.data, undefined);
      const few = await gw.request(`{ ${Array.from({ length: 16 }, (_, i) => `a${i}: ${field}`).join(' ')} }`);
      assert.equal(few.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED', field);
      assert.match(few.errors![0]!.message, /aliases/i);
      assert.equal(few.data, undefined);
    }
  });

  test('probe 3: the same limits hold over the WebSocket', async () => {
    const client = createClient({ url: gw.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const errors = await new Promise<Array<{ message: string; extensions?: Record<string, unknown> }>>((resolve) => {
        client.subscribe({ query: nested(experimentId, 25) }, { next: (r) => resolve((r.errors ?? []) as never), error: (e) => resolve(e as never), complete: () => {} });
      });
      assert.equal(errors[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
      assert.match(errors[0]!.message, /depth/i);
    } finally {
      await client.dispose();
    }
  });

  test('probe 5: no stack traces; body-parser failures are JSON; a NUL byte is BAD_USER_INPUT; long values are clipped', async () => {
    const bad = await gw.request('mutation { startTrainingRun(input: { alpha: 7 }) { id } }');
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assertNoInternals(JSON.stringify(bad), 'BAD_USER_INPUT');

    const malformed = await rawPost(gw.url, '{"query": "{ runs { totalCount } ');
    assert.equal(malformed.status, 400);
    assert.match(malformed.type, /json/);
    assert.equal(JSON.parse(malformed.text).errors[0].extensions.code, 'BAD_REQUEST');
    assertNoInternals(malformed.text, 'malformed JSON');

    const huge = await rawPost(gw.url, JSON.stringify({ query: '{ runs { totalCount } }', variables: { pad: 'x'.repeat(10 * 1024 * 1024) } })).catch(() => null);
    if (huge) {
      assert.equal(huge.status, 413);
      assert.match(huge.type, /json/);
      assert.equal(JSON.parse(huge.text).errors[0].extensions.code, 'PAYLOAD_TOO_LARGE');
      assertNoInternals(huge.text, '10 MB body');
    }

    const before = await gw.db.prisma.experiment.count();
    const nul = await gw.request('mutation($name: String!) { createExperiment(input: { name: $name }) { id } }', { name: 'a\u0000b' });
    assert.equal(nul.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(nul.errors?.[0]?.extensions?.field, 'input.name');
    assert.equal(await gw.db.prisma.experiment.count(), before);

    const long = 'y'.repeat(500_000);
    const response = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation($input: TrainingRunInput!) { startTrainingRun(input: $input) { id } }', variables: { input: { trainDatasets: [long] } } }),
    });
    const text = await response.text();
    assert.ok(text.length < 2_000, `a 500 KB value came back as ${text.length} characters`);
    assert.equal(JSON.parse(text).errors[0].extensions.field, 'input.trainDatasets[0]');
  });

  test('probe 5: an unexpected failure is INTERNAL_SERVER_ERROR with an error id that is in the log, and nothing else', async () => {
    const other = await startTestGateway();
    await other.db.close(); // every database read now fails inside Prisma
    try {
      const result = await other.request('{ experiments { id } }');
      const error = result.errors?.[0];
      assert.equal(error?.extensions?.code, 'INTERNAL_SERVER_ERROR');
      const id = error!.extensions!.errorId as string;
      assert.match(id, /^[0-9a-f-]{36}$/);
      assert.deepEqual(Object.keys(error!.extensions!).sort(), ['code', 'errorId']);
      assertNoInternals(JSON.stringify(result), 'internal error');
      assert.ok(other.logs.some((line) => line.startsWith(`error ${id}:`)), 'the log has the error under its id');
      const health = await fetch(other.url.replace('/graphql', '/healthz'));
      assert.equal(health.status, 503);
      assert.deepEqual(await health.json(), { status: 'unavailable' });
    } finally {
      await other.app.stop();
      await other.bus.close();
    }
  });

  test('probe 4: a 7.5-billion-parameter run is refused even for the open mode\'s admin, naming input.model; nothing is written', async () => {
    const before = await gw.db.prisma.run.count();
    const result = await gw.request('mutation($input: TrainingRunInput!) { startTrainingRun(input: $input) { id } }', {
      input: { model: { family: 'TRANSFORMER', layers: 48, dimension: 4096, heads: 64, vocabularySize: 262_144, ffnDimension: 8192 }, languages: ['en', 'de'], trainDatasets: ['mlqa-r'] },
    });
    assert.equal(result.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(result.errors?.[0]?.extensions?.field, 'input.model');
    assert.match(result.errors![0]!.message, /parameters.*cap/);
    assert.equal(await gw.db.prisma.run.count(), before);
  });

  test('unknown paths answer JSON 404', async () => {
    const response = await fetch(gw.url.replace('/graphql', '/nope'));
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code, 'NOT_FOUND');
  });
});

describe('gateway with keys and tight limits', () => {
  let gw: TestGateway;
  let trainer: string;
  before(async () => {
    gw = await startTestGateway({
      securityEnv: {
        AUTH: 'on',
        NODE_ENV: 'production',
        MAX_ACTIVE_RUNS_TRAINER: '3',
        RATE_MUTATIONS_PER_MINUTE: '8',
        WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '2',
        WS_MAX_SUBSCRIPTIONS_PER_KEY: '3',
        WS_IDLE_TIMEOUT_MS: '1000',
        WS_MAX_MESSAGE_BYTES: '4096',
      },
    });
    trainer = (await createApiKey(gw.db.prisma, 'limits-trainer', 'trainer')).secret;
  });
  after(() => gw.close());

  const START = 'mutation { startTrainingRun(input: { steps: 5, batchSize: 2, languages: ["en", "de"], trainDatasets: ["mlqa-r"] }) { id } }';

  test('probe 4: a trainer\'s checkpoint disk per run is capped (the 262,144 x 512 hashed model keeps few checkpoints)', async () => {
    const before = await gw.db.prisma.run.count();
    const input = { model: { family: 'BAG_OF_SUBWORDS', tokenizer: 'HASHED', vocabularySize: 262_144, dimension: 512 }, languages: ['en', 'de'], trainDatasets: ['mlqa-r'], checkpointEvery: 2, keepCheckpoints: 10 };
    const result = await gw.request('mutation($input: TrainingRunInput!) { startTrainingRun(input: $input) { id } }', { input }, trainer);
    assert.equal(result.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(result.errors?.[0]?.extensions?.field, 'input.keepCheckpoints');
    assert.equal(await gw.db.prisma.run.count(), before);
  });

  test('probe 4: one key cannot fill the queue (runs queued per key), then the mutation rate limit answers', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await gw.request(START, undefined, trainer)).errors, undefined);
    const fourth = await gw.request(START, undefined, trainer);
    assert.equal(fourth.errors?.[0]?.extensions?.code, 'RATE_LIMITED');
    assert.match(fourth.errors![0]!.message, /at most 3/);
    assert.equal(await gw.db.prisma.run.count(), 3);
    // 5 mutations so far (the checkpoint-disk test's included); the budget is 8 a minute.
    const codes: unknown[] = [];
    for (let i = 0; i < 6; i++) codes.push((await gw.request('mutation { cancelRun(id: "none") { id } }', undefined, trainer)).errors?.[0]?.extensions?.code);
    assert.deepEqual(codes, ['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
    const limited = await gw.request('mutation { cancelRun(id: "none") { id } }', undefined, trainer);
    assert.ok((limited.errors![0]!.extensions!.retryAfterMs as number) > 0);
  });

  test('production: introspection is off and errors carry no stack trace', async () => {
    const result = await gw.request('{ __schema { queryType { name } } }', undefined, trainer);
    assert.equal(result.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    assertNoInternals(JSON.stringify(result), 'introspection refusal');
  });

  test('probe 6: subscriptions are capped per connection and per key; idle connections and large messages are closed', async () => {
    const connect = () => createClient({ url: gw.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${trainer}` } });
    const subscribe = (client: ReturnType<typeof connect>) =>
      new Promise<string>((resolve) => {
        client.subscribe({ query: 'subscription { runStatusChanged { runId } }' }, {
          next: () => {},
          error: (e) => resolve(((e as Array<{ extensions?: { code?: string } }>)[0]?.extensions?.code) ?? 'error'),
          complete: () => resolve('complete'),
        });
        setTimeout(() => resolve('open'), 300);
      });
    const first = connect();
    const second = connect();
    try {
      assert.deepEqual([await subscribe(first), await subscribe(first), await subscribe(first)], ['open', 'open', 'RATE_LIMITED']);
      assert.deepEqual([await subscribe(second), await subscribe(second)], ['open', 'RATE_LIMITED'], 'the key has 3 at most');
    } finally {
      await first.dispose();
      await second.dispose();
    }

    const idle = new WebSocket(gw.wsUrl, 'graphql-transport-ws');
    const idleClose = await new Promise<number>((resolve) => {
      idle.on('open', () => idle.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${trainer}` } })));
      idle.on('close', (code) => resolve(code));
    });
    assert.equal(idleClose, 4408);

    const big = new WebSocket(gw.wsUrl, 'graphql-transport-ws');
    const bigClose = await new Promise<number>((resolve) => {
      big.on('open', () => big.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${trainer}`, pad: 'z'.repeat(10_000) } })));
      big.on('close', (code) => resolve(code));
      big.on('error', () => {});
    });
    assert.equal(bigClose, 1009, 'message too big');
  });
});
