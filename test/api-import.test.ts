// importDataset over HTTP: a JSONL file is validated line by line, recorded, listed with the
// catalog and accepted by startTrainingRun; a refused import writes nothing.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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
  evaluation: boolean;
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

const NOT_INSIDE = /^input\.path: ".*" is not a file inside the import roots$/;

describe('importDataset', () => {
  test('a valid file (path relative to the first import root) is recorded and listed as a trainable JSONL dataset', async () => {
    await writeFile(path.join(gw.dataDir, 'pairs.jsonl'), GOOD);
    const result = await importDataset({ name: 'en-sw-pairs', path: 'pairs.jsonl', description: ' my pairs ' });
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    const dataset = result.data!.importDataset;
    assert.deepEqual(
      { ...dataset, sha256: dataset.sha256.length },
      {
        name: 'en-sw-pairs', kind: 'JSONL', trainable: true, available: true, evaluation: false, languages: ['en', 'sw'],
        path: 'pairs.jsonl', description: 'my pairs', groups: 3, sha256: 64,
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
    const refused = await gw.request(START, { input: { trainDatasets: ['en-sw-pairs'], languages: ['en', 'de'] } });
    assert.equal(refused.errors?.[0]?.extensions?.field, 'input.languages[1]');
    assert.match(refused.errors![0]!.message, /"de" is not available in dataset en-sw-pairs/);
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
    assertBadInput(await importDataset({ name: 'x', path: missing }), 'input.path', missing, NOT_INSIDE);
    assertBadInput(await importDataset({ name: 'x', path: 'missing.jsonl' }), 'input.path', 'missing.jsonl', NOT_INSIDE);
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

describe('importDataset reads only inside the import roots and leaks neither paths nor content', () => {
  let outside: string;
  before(async () => {
    outside = await mkdtemp(path.join(tmpdir(), 'xling-outside-'));
    await writeFile(path.join(outside, 'secret.jsonl'), `${line('s1', 'en')}\nSECRET-CONTENT\n`);
    await symlink(path.join(outside, 'secret.jsonl'), path.join(gw.dataDir, 'link.jsonl'));
    await symlink(outside, path.join(gw.dataDir, 'link-dir'));
  });
  after(() => rm(outside, { recursive: true, force: true }));

  /** The error's JSON without the path the caller gave, which it may echo. */
  function leakCheck(error: { message: string; extensions?: Record<string, unknown> }, given: string) {
    const text = JSON.stringify(error).split(JSON.stringify(given).slice(1, -1)).join('<given>');
    for (const secret of ['root:', 'DATABASE_URL', 'SECRET', 'PATH=', tmpdir(), gw.dataDir, outside, '/etc', '/proc', '/home']) {
      assert.ok(!text.includes(secret), `${JSON.stringify(secret)} in ${text}`);
    }
    return error.message.split(JSON.stringify(given)).join('"<given>"');
  }

  test('system files, `..`, symlinks leading out and missing files give one identical error; nothing is written', async () => {
    const before = await importedCount();
    const messages = new Set<string>();
    for (const given of [
      '/etc/passwd', '/proc/self/environ', '/proc/self/cmdline', '../../../../etc/hostname', '../../../../../../../../etc/passwd',
      'link.jsonl', 'link-dir/secret.jsonl', path.join(outside, 'secret.jsonl'), path.join(outside, 'missing.jsonl'),
      '/nonexistent/missing.jsonl', 'missing.jsonl', path.join(gw.dataDir, '..', path.basename(outside), 'secret.jsonl'),
    ]) {
      const error = assertBadInput(await importDataset({ name: 'leak', path: given }), 'input.path', given, NOT_INSIDE);
      assert.equal(error.extensions?.lines, undefined);
      messages.add(leakCheck(error, given));
    }
    assert.deepEqual([...messages], ['input.path: "<given>" is not a file inside the import roots']);
    assert.equal(await importedCount(), before);
  });

  test('invalid lines name the line, the field and the problem, never the content', async () => {
    const bad = [
      'root:x:0:0:SECRET-passwd-line:/root:/bin/bash',
      JSON.stringify({ id: 'SECRET-id', language: 'SECRET-lang', query: 'q', passage: 'p' }),
      JSON.stringify({ id: 'a', language: 'en', query: 'q', passage: 'p', SECRET_FIELD_VALUE: 'SECRET-value' }),
      line('dup', 'en'),
      line('dup', 'en'),
      JSON.stringify(['SECRET-array']),
    ].join('\n');
    await writeFile(path.join(gw.dataDir, 'secret-lines.jsonl'), bad);
    const before = await importedCount();
    const error = assertBadInput(await importDataset({ name: 'secret-lines', path: 'secret-lines.jsonl' }), 'input.path', 'secret-lines.jsonl', /has 5 invalid lines/);
    const lines = error.extensions?.lines as Array<Record<string, unknown>>;
    assert.deepEqual(lines.map((e) => [e.line, e.field]), [[1, 'record'], [2, 'language'], [3, 'SECRET_FIELD_VALUE'], [5, 'id'], [6, 'record']]);
    const text = JSON.stringify(error).replace(/"field":"SECRET_FIELD_VALUE"|field SECRET_FIELD_VALUE/g, '');
    assert.ok(!/SECRET|root:x/.test(text), text);
    assert.ok(lines.every((e) => !('value' in e) || e.value === null));
    assert.equal(await importedCount(), before);
  });

  test('a folder inside the root and relative paths below it are shown relative to the root', async () => {
    await mkdir(path.join(gw.dataDir, 'nested'), { recursive: true });
    await writeFile(path.join(gw.dataDir, 'nested', 'pairs.jsonl'), GOOD);
    const result = await importDataset({ name: 'nested-pairs', path: path.join(gw.dataDir, 'nested', 'pairs.jsonl') });
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    assert.equal(result.data!.importDataset.path, path.join('nested', 'pairs.jsonl'));
    const listed = await gw.request<{ datasets: Array<{ name: string; path: string | null }> }>('{ datasets { name path } }');
    for (const dataset of listed.data!.datasets) assert.ok(dataset.path === null || !path.isAbsolute(dataset.path), dataset.path ?? '');
    const row = await gw.db.prisma.importedDataset.findUniqueOrThrow({ where: { name: 'nested-pairs' } });
    assert.ok(path.isAbsolute(row.path), 'workers read the absolute path');
  });
});

describe('importDataset of evaluation suites: every file confined, errors without content', () => {
  let outside: string;
  before(async () => {
    outside = await mkdtemp(path.join(tmpdir(), 'xling-outside-suite-'));
    await writeFile(path.join(outside, 'secret.txt'), 'SECRET-one\nSECRET-two\n');
    await symlink(path.join(outside, 'secret.txt'), path.join(gw.dataDir, 'suite-link.txt'));
    await writeFile(path.join(gw.dataDir, 'suite-de.txt'), 'Hallo Welt\nGuten Morgen\n');
    await writeFile(path.join(gw.dataDir, 'suite-en.txt'), 'Hello world\nGood morning\n');
    await writeFile(path.join(gw.dataDir, 'suite-latin1.txt'), Buffer.from([0x48, 0xe9, 0x0a, 0x48, 0x0a]));
    await writeFile(path.join(gw.dataDir, 'suite-queries.jsonl'), '{"_id":"q1","language":"de","text":"SECRET-question"}\n{"_id":"q1","language":"de","text":"again"}\n');
    await writeFile(path.join(gw.dataDir, 'suite-corpus.jsonl'), '{"_id":"d1","language":"en","text":"SECRET-passage"}\n');
    await writeFile(path.join(gw.dataDir, 'suite-qrels.tsv'), 'q1\td1\t1\n');
  });
  after(() => rm(outside, { recursive: true, force: true }));
  const bitext = (a: string, b = 'suite-en.txt') => ({ name: 'suite', bitext: { a: { language: 'de', path: a }, b: { language: 'en', path: b } } });

  test('a path outside the roots in any file of a suite gets the one answer; nothing is written', async () => {
    const before = await importedCount();
    for (const given of ['suite-link.txt', path.join(outside, 'secret.txt'), '/etc/passwd', '../../../../etc/hostname']) {
      const error = assertBadInput(await importDataset(bitext(given)), 'input.bitext.a.path', given, /is not a file inside the import roots$/);
      assert.ok(!JSON.stringify(error).includes('SECRET'));
      assertBadInput(await importDataset(bitext('suite-de.txt', given)), 'input.bitext.b.path', given, /is not a file inside the import roots$/);
      assertBadInput(await importDataset({ name: 'suite', retrieval: { queries: 'suite-queries.jsonl', corpus: given, qrels: 'suite-qrels.tsv' } }), 'input.retrieval.corpus', given, /is not a file inside the import roots$/);
      assertBadInput(await importDataset({ name: 'suite', retrieval: { squad: [{ language: 'de', path: given }] } }), 'input.retrieval.squad[0].path', given, /is not a file inside the import roots$/);
    }
    assert.equal(await importedCount(), before);
  });

  test('encoding, layout and content problems name the field and the line, never the text', async () => {
    const before = await importedCount();
    assertBadInput(await importDataset(bitext('suite-latin1.txt')), 'input.bitext.a.path', 'suite-latin1.txt', /is not valid UTF-8$/);
    const duplicate = assertBadInput(
      await importDataset({ name: 'suite', retrieval: { queries: 'suite-queries.jsonl', corpus: 'suite-corpus.jsonl', qrels: 'suite-qrels.tsv' } }),
      'input.retrieval.queries', 'suite-queries.jsonl', /has 1 problem; line 2: repeats the _id and language of line 1$/,
    );
    assert.ok(!JSON.stringify(duplicate).includes('SECRET'), JSON.stringify(duplicate));
    assertBadInput(await importDataset({ name: 'suite', retrieval: { queries: 'suite-queries.jsonl', corpus: 'suite-corpus.jsonl', qrels: 'suite-qrels.tsv', squad: [] } }), 'input.retrieval', { squad: 0 }, /give one layout/);
    assertBadInput(await importDataset({ name: 'suite', bitext: { a: { language: 'deu', path: 'suite-de.txt' }, b: { language: 'en', path: 'suite-en.txt' } } }), 'input.bitext.a.language', 'deu', /ISO 639-1/);
    assertBadInput(await importDataset({ name: 'suite' }), 'input', {}, /names no file/);
    assert.equal(await importedCount(), before);
  });

  test('an imported bitext set is an evaluation dataset: listed, refused by training', async () => {
    const result = await importDataset(bitext('suite-de.txt'));
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    assert.deepEqual([result.data!.importDataset.kind, result.data!.importDataset.trainable, result.data!.importDataset.evaluation], ['BITEXT', false, true]);
    const refused = await gw.request(START, { input: { trainDatasets: ['suite'], languages: ['de', 'en'] } });
    assert.equal(refused.errors?.[0]?.extensions?.field, 'input.trainDatasets[0]');
    assert.match(refused.errors![0]!.message, /is a BITEXT dataset, which training cannot read/);
  });
});

describe('importDataset with a small byte cap', () => {
  let small: TestGateway;
  before(async () => {
    small = await startTestGateway({ settings: () => ({ importMaxBytes: 200 }) });
  });
  after(() => small.close());

  test('a larger file is refused while it is read; nothing is written', async () => {
    const big = Array.from({ length: 10 }, (_, i) => line(`b${i}`, 'en')).join('\n');
    assert.ok(Buffer.byteLength(big) > 200);
    await writeFile(path.join(small.dataDir, 'big.jsonl'), big);
    const result = await small.request<{ importDataset: DatasetData }>(IMPORT, { input: { name: 'big', path: 'big.jsonl' } });
    assert.equal(result.errors?.[0]?.extensions?.field, 'input.path');
    assert.match(result.errors![0]!.message, /is larger than 200 bytes/);
    assert.equal(await small.db.prisma.importedDataset.count(), 0);
    // The files of a suite count together: each fits, both do not.
    await writeFile(path.join(small.dataDir, 'half-de.txt'), `${'Hallo Welt '.repeat(10)}\n`);
    await writeFile(path.join(small.dataDir, 'half-en.txt'), `${'Hello world '.repeat(10)}\n`);
    const both = await small.request<{ importDataset: DatasetData }>(IMPORT, { input: { name: 'halves', bitext: { a: { language: 'de', path: 'half-de.txt' }, b: { language: 'en', path: 'half-en.txt' } } } });
    assert.equal(both.errors?.[0]?.extensions?.field, 'input.bitext.b.path');
    assert.match(both.errors![0]!.message, /makes the import larger than 200 bytes/);
    assert.equal(await small.db.prisma.importedDataset.count(), 0);
    await writeFile(path.join(small.dataDir, 'fits.jsonl'), line('f', 'en'));
    const fits = await small.request<{ importDataset: DatasetData }>(IMPORT, { input: { name: 'fits', path: 'fits.jsonl' } });
    assert.equal(fits.errors, undefined, JSON.stringify(fits.errors));
  });
});
