// Paths through the API: registerModel reads only inside MODELS_DIR and its refusals tell nothing
// about the rest of the server; checkpoint, report and model paths are shown relative to their
// folders, never as absolute server paths.

import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../api/testing.js';
import { repoRoot } from './support/platform.js';
import { serveQueries, type ServedQueries } from './support/query-server.js';

const shared = path.join(repoRoot, '..', 'shared', 'models');
let gw: TestGateway;
let served: ServedQueries;
let models: string;
let outside: string;
before(async () => {
  gw = await startTestGateway();
  models = path.join(gw.dataDir, 'models');
  // A worker reads the folders (registerModel asks it to inspect them), with the same MODELS_DIR.
  served = await serveQueries(gw.bus, { modelsDir: models, dataDir: gw.dataDir });
  outside = await mkdtemp(path.join(tmpdir(), 'xling-outside-'));
  const copy = async (model: string, into: string, files: string[]) => {
    await mkdir(into, { recursive: true });
    for (const file of files) await copyFile(path.join(shared, model, file), path.join(into, file));
  };
  await copy('tiny-bert', path.join(models, 'tiny'), ['config.json', 'model.safetensors', 'tokenizer.json']);
  await copy('tiny-bert', path.join(outside, 'tiny'), ['config.json', 'model.safetensors', 'tokenizer.json']);
  await copy('tiny-xlmr', path.join(models, 'no-tokenizer'), ['config.json', 'model.safetensors']);
  await mkdir(path.join(models, 'gpt'));
  await writeFile(path.join(models, 'gpt', 'config.json'), JSON.stringify({ model_type: 'gpt2' }));
  await mkdir(path.join(models, 'empty'));
  await writeFile(path.join(models, 'file.txt'), 'x');
  await symlink(path.join(outside, 'tiny'), path.join(models, 'escape'));
});
after(async () => {
  await served.stop();
  await gw.close();
  await rm(outside, { recursive: true, force: true });
});

const REGISTER = 'mutation($input: RegisterModelInput!) { registerModel(input: $input) { name path } }';
const register = (name: string, given: string) => gw.request<{ registerModel: { name: string; path: string } }>(REGISTER, { input: { name, path: given } });

/**
 * The error's JSON, with the path the caller gave (which it may echo) taken out. Apollo's
 * development stack traces (extensions.stacktrace, off in production) are the gateway's concern.
 */
function withoutGiven(error: { extensions?: Record<string, unknown> }, given: string): string {
  const { stacktrace: _, ...extensions } = error.extensions ?? {};
  return JSON.stringify({ ...error, extensions }).split(JSON.stringify(given).slice(1, -1)).join('<given>');
}

function assertNoServerPath(text: string) {
  for (const secret of [tmpdir(), gw.dataDir, models, outside, repoRoot, '/etc', '/proc', 'root:']) {
    assert.ok(!text.includes(secret), `${JSON.stringify(secret)} in ${text}`);
  }
}

describe('registerModel paths', () => {
  test('outside MODELS_DIR, missing, `..` and symlinks leading out give one identical error; nothing is written', async () => {
    const messages = new Set<string>();
    for (const given of [
      '/etc', '/proc/self', '/', '../../../../etc', '..', path.join(outside, 'tiny'), path.join(outside, 'missing'), '/no/such/folder',
      'missing', 'escape', shared, path.join(shared, 'tiny-bert'), path.join(models, '..', '..', path.basename(outside), 'tiny'),
    ]) {
      const result = await register('leak', given);
      const error = result.errors?.[0];
      assert.equal(error?.extensions?.code, 'BAD_USER_INPUT', `${given}: ${JSON.stringify(result)}`);
      assert.equal(error.extensions?.field, 'input.path');
      assertNoServerPath(withoutGiven(error, given));
      messages.add(error.message.split(JSON.stringify(given)).join('"<given>"'));
    }
    assert.deepEqual([...messages], ['input.path: "<given>" is not a folder inside the models folder (MODELS_DIR)']);
    assert.equal(await gw.db.prisma.registeredModel.count(), 0);
  });

  test('inside MODELS_DIR the problem with the folder is told, with paths relative to it', async () => {
    for (const [given, message] of [
      ['gpt', /model_type "gpt2" is not supported/],
      ['empty', /empty\/config\.json is missing/],
      ['file.txt', /file\.txt is not a folder/],
      ['no-tokenizer', /has no tokenizer\.json.*\(expected no-tokenizer\/tokenizer\.json\)/],
      [path.join(models, 'no-tokenizer'), /expected no-tokenizer\/tokenizer\.json/],
    ] as const) {
      const error = (await register('bad', given)).errors?.[0];
      assert.equal(error?.extensions?.code, 'BAD_USER_INPUT', given);
      assert.match(error.message, message);
      assertNoServerPath(withoutGiven(error, given));
    }
    assert.equal(await gw.db.prisma.registeredModel.count(), 0);
  });

  test('a folder inside MODELS_DIR, relative or absolute, is recorded and shown relative to it', async () => {
    const relative = await register('tiny-rel', 'tiny');
    assert.equal(relative.errors, undefined, JSON.stringify(relative.errors));
    assert.equal(relative.data!.registerModel.path, 'tiny');
    const absolute = await register('tiny-abs', path.join(models, 'tiny'));
    assert.equal(absolute.errors, undefined, JSON.stringify(absolute.errors));
    assert.equal(absolute.data!.registerModel.path, 'tiny');
    assert.equal((await gw.db.prisma.registeredModel.findUniqueOrThrow({ where: { name: 'tiny-abs' } })).path, 'tiny');
    // Registered before paths were confined.
    await gw.db.prisma.registeredModel.update({ where: { name: 'tiny-rel' }, data: { path: path.join(models, 'tiny') } });
    const listed = await gw.request<{ models: Array<{ name: string; path: string }> }>('{ models { name path } }');
    assert.deepEqual(listed.data!.models, [{ name: 'tiny-abs', path: 'tiny' }, { name: 'tiny-rel', path: 'tiny' }]);
  });
});

test('Checkpoint.location and Experiment.reportPath are relative to the folders workers wrote them in', async () => {
  const experiment = await gw.db.prisma.experiment.create({ data: { name: 'paths', reportPath: '/srv/secret/reports/exp-paths', status: 'SUCCEEDED' } });
  const run = await gw.db.prisma.run.create({
    data: {
      experimentId: experiment.id, strategy: 'MONO', alpha: 0, model: {}, trainDatasets: ['mlqa-r'], languages: ['en'], seed: 1, hyperParameters: {},
    },
  });
  await gw.db.prisma.checkpoint.create({ data: { runId: run.id, step: 20, location: `/srv/secret/checkpoints/${run.id}/step-20` } });
  const result = await gw.request<{ run: { checkpoints: Array<{ location: string }>; experiment: { reportPath: string } } }>(
    'query($id: ID!) { run(id: $id) { checkpoints { location } experiment { reportPath } } }',
    { id: run.id },
  );
  assert.equal(result.errors, undefined, JSON.stringify(result.errors));
  assert.deepEqual(result.data!.run, { checkpoints: [{ location: `${run.id}/step-20` }], experiment: { reportPath: 'exp-paths' } });
  const listed = await gw.request<{ experiments: Array<{ reportPath: string | null }> }>('{ experiments { reportPath } }');
  assert.deepEqual(listed.data!.experiments.map((e) => e.reportPath), ['exp-paths']);
});

test('a pruned checkpoint shows prunedAt and is refused by evaluate and indexCorpus, writing nothing', async () => {
  const run = await gw.db.prisma.run.create({
    data: { strategy: 'MONO', alpha: 1, model: {}, trainDatasets: ['pawsx'], languages: ['en'], seed: 1, hyperParameters: {} },
  });
  const prunedAt = new Date('2026-12-05T08:00:00Z');
  const pruned = await gw.db.prisma.checkpoint.create({ data: { runId: run.id, step: 10, location: `/ck/${run.id}/step-10`, prunedAt } });
  const shown = await gw.request<{ run: { checkpoints: Array<{ step: number; prunedAt: string | null }> } }>('query($id: ID!) { run(id: $id) { checkpoints { step prunedAt } } }', { id: run.id });
  assert.deepEqual(shown.data!.run.checkpoints, [{ step: 10, prunedAt: prunedAt.toISOString() }]);
  const jobsBefore = await gw.db.prisma.job.count();
  const evaluated = await gw.request('mutation($id: ID!) { evaluate(input: { checkpointId: $id, suites: [MLQA_R] }) { id } }', { id: pruned.id });
  assert.equal(evaluated.errors?.[0]?.extensions?.field, 'input.checkpointId');
  assert.match(evaluated.errors![0]!.message, /was pruned/);
  const indexed = await gw.request('mutation($id: ID!) { indexCorpus(input: { checkpointId: $id, dataset: "mlqa-r" }) { id } }', { id: pruned.id });
  assert.equal(indexed.errors?.[0]?.extensions?.field, 'input.checkpointId');
  assert.match(indexed.errors![0]!.message, /was pruned/);
  assert.equal(await gw.db.prisma.job.count(), jobsBefore);
});
