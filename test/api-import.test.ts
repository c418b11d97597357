// importDataset over HTTP: a JSONL file is validated line by line, recorded, listed with the
// catalog and accepted by startTrainingRun; a refused import writes nothing.

import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../api/testing.js';

let gw: TestGateway;
before(async () => {
  gw = await startTestGateway();
});
after(() => gw.close());

const IMPORT = `mutation($input: ImportDatasetInput!) {
  importDataset(input: $input) { name kind trainable available evaluation languages path description groups sha256 bytes files { name } examples { language count } }
}`;
const START = 'mutation($input: TrainingRunInput!) { startTrainingRun(input: $input) { id trainDatasets languages } }';

interface DatasetData {
  name: string;
  kind: string;
  trainable: boolean;
  available: boolean;
  languages: string[];
  path: string;
  description: string | null;
  groups: number;
  sha256: string;
  bytes: number;
  files: unknown[];
  examples: Array<{ language: string; count: number }>;
}

const line = (id: string, language: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id, language, query: `q ${id} ${language}`, passage: `p ${id} ${language}`, ...extra });

const GOOD = [line('g1', 'en'), line('g1', 'sw', { hard_negative: 'n' }), line('g2', 'en'), '', line('g2', 'sw'), line('g3', 'en')].join('\n') + '\n';

async function importDataset(input: Record<string, unknown>) {
  return gw.request<{ importDataset: DatasetData }>(IMPORT, { input });
}

function assertBadInput(result: Awaited<ReturnType<typeof importDataset>>, field: string, value: unknown, message: RegExp) {
  const error = result.errors?.[0];
  assert.ok(error, 'expected an error');
  assert.equal(error.extensions?.code, 'BAD_USER_INPUT', error.message);
  assert.equal(error.extensions?.field, field);
  assert.deepEqual(error.extensions?.value, value);
  assert.match(error.message, message);
  return error;
}

const importedCount = () => gw.db.prisma.importedDataset.count();

describe('importDataset', () => {
  test('a valid file (path relative to the gateway directory) is recorded and listed as a trainable JSONL dataset', async () => {
    await writeFile(path.join(gw.dataDir, 'pairs.jsonl'), GOOD);
    const result = await importDataset({ name: 'en-sw-pairs', path: 'pairs.jsonl', description: ' my pairs ' });
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    const dataset = result.data!.importDataset;
    assert.deepEqual(
      { ...dataset, sha256: dataset.sha256.length },
      {
        name: 'en-sw-pairs', kind: 'JSONL', trainable: true, available: true, evaluation: false, languages: ['en', 'sw'],
        path: path.join(gw.dataDir, 'pairs.jsonl'), description: 'my pairs', groups: 3, sha256: 64,
        bytes: Buffer.byteLength(GOOD), files: [], examples: [{ language: 'en', count: 3 }, { language: 'sw', count: 2 }],
      },
    );
    const row = await gw.db.prisma.importedDataset.findUniqueOrThrow({ where: { name: 'en-sw-pairs' } });
    assert.ok(path.isAbsolute(row.path));
    assert.equal(row.records, 5);

    const listed = await gw.request<{ datasets: Array<{ name: string; kind: string; examples: unknown }> }>(
      '{ datasets { name kind examples { language count } } }',
    );
    const entry = listed.data!.datasets.find((d) => d.name === 'en-sw-pairs');
    assert.deepEqual(entry, { name: 'en-sw-pairs', kind: 'JSONL', examples: dataset.examples });
    assert.ok(listed.data!.datasets.some((d) => d.name === 'mlqa-r'), 'the catalog is still listed');
  });

  test('startTrainingRun accepts the imported dataset and checks its own languages', async () => {
    const accepted = await gw.request<{ startTrainingRun: { id: string; trainDatasets: string[]; languages: string[] } }>(START, {
      input: { trainDatasets: ['en-sw-pairs'], languages: ['en', 'sw'], evaluationSuites: ['MLQA_R'] },
    });
    assert.equal(accepted.errors, undefined, JSON.stringify(accepted.errors));
    assert.deepEqual(accepted.data!.startTrainingRun.trainDatasets, ['en-sw-pairs']);

    const runs = await gw.db.prisma.run.count();
    const refused = await gw.request(START, { input: { trainDatasets: ['en-sw-pairs', 'mlqa-r'], languages: ['en', 'sw'] } });
    assert.equal(refused.errors?.[0]?.extensions?.field, 'input.languages[1]');
    assert.match(refused.errors![0]!.message, /"sw" is not available in dataset mlqa-r/);
    assert.equal(await gw.db.prisma.run.count(), runs);
  });

  test('an invalid line is BAD_USER_INPUT naming input.path, the line and the field; nothing is written', async () => {
    const bad = [line('g1', 'en'), JSON.stringify({ id: 'g1', language: 'de', passage: 'p' }), line('g2', 'english')].join('\n');
    await writeFile(path.join(gw.dataDir, 'bad.jsonl'), bad);
    const before = await importedCount();
    const error = assertBadInput(
      await importDataset({ name: 'bad-set', path: 'bad.jsonl' }),
      'input.path',
      'bad.jsonl',
      /^input\.path: "bad\.jsonl" has 2 invalid lines; line 2, field query: must be a non-empty string; line 3, field language: /,
    );
    assert.deepEqual((error.extensions?.lines as Array<{ line: number; field: string }>).map((e) => [e.line, e.field]), [[2, 'query'], [3, 'language']]);
    assert.equal(await importedCount(), before);
  });

  test('file problems, names and descriptions are refused with the field named; nothing is written', async () => {
    const before = await importedCount();
    await writeFile(path.join(gw.dataDir, 'empty.jsonl'), '\n\n');
    await writeFile(path.join(gw.dataDir, 'latin1.jsonl'), Buffer.from([0x7b, 0xe9, 0x7d]));
    await mkdir(path.join(gw.dataDir, 'folder.jsonl'));
    const missing = path.join(gw.dataDir, 'missing.jsonl');
    assertBadInput(await importDataset({ name: 'x', path: missing }), 'input.path', missing, /does not exist$/);
    assertBadInput(await importDataset({ name: 'x', path: 'missing.jsonl' }), 'input.path', 'missing.jsonl', /does not exist \(resolved against the gateway's directory to \//);
    assertBadInput(await importDataset({ name: 'x', path: 'folder.jsonl' }), 'input.path', 'folder.jsonl', /is not a regular file/);
    assertBadInput(await importDataset({ name: 'x', path: 'empty.jsonl' }), 'input.path', 'empty.jsonl', /holds no records/);
    assertBadInput(await importDataset({ name: 'x', path: 'latin1.jsonl' }), 'input.path', 'latin1.jsonl', /not valid UTF-8/);
    assertBadInput(await importDataset({ name: 'x', path: ' ' }), 'input.path', ' ', /is empty/);
    assertBadInput(await importDataset({ name: 'Bad_Name', path: 'pairs.jsonl' }), 'input.name', 'Bad_Name', /a-z, 0-9 and -/);
    assertBadInput(await importDataset({ name: 'mlqa-r', path: 'pairs.jsonl' }), 'input.name', 'mlqa-r', /catalog dataset/);
    assertBadInput(await importDataset({ name: 'en-sw-pairs', path: 'pairs.jsonl' }), 'input.name', 'en-sw-pairs', /already the name of an imported dataset/);
    const long = await importDataset({ name: 'described', path: 'pairs.jsonl', description: 'd'.repeat(2001) });
    assert.equal(long.errors?.[0]?.extensions?.field, 'input.description');
    assert.equal(await importedCount(), before);
  });

  test('a file moved after import is listed as unavailable and refused by startTrainingRun', async () => {
    const file = path.join(gw.dataDir, 'moving.jsonl');
    await writeFile(file, GOOD);
    assert.equal((await importDataset({ name: 'moving', path: file })).errors, undefined);
    await rm(file);
    const listed = await gw.request<{ datasets: Array<{ name: string; available: boolean }> }>('{ datasets { name available } }');
    assert.equal(listed.data!.datasets.find((d) => d.name === 'moving')?.available, false);
    const refused = await gw.request(START, { input: { trainDatasets: ['moving'], languages: ['en', 'sw'] } });
    assert.equal(refused.errors?.[0]?.extensions?.field, 'input.trainDatasets[0]');
    assert.match(refused.errors![0]!.message, /is imported from .*moving\.jsonl, which no longer exists/);
  });
});
