import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createDatasetCatalog } from './catalog.js';

let dataDir: string;
const squad = (questions: number) =>
  JSON.stringify({ data: [{ paragraphs: [{ qas: Array.from({ length: questions }, (_, i) => ({ id: String(i) })) }] }] });

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'xling-catalog-'));
  await mkdir(path.join(dataDir, 'mlqa-r'));
  await writeFile(path.join(dataDir, 'mlqa-r', 'en.json'), squad(3));
  await writeFile(path.join(dataDir, 'mlqa-r', 'de.json'), squad(2));
  await writeFile(path.join(dataDir, 'mlqa-r', 'LICENSE'), 'not data');
  await mkdir(path.join(dataDir, 'pawsx'));
  await writeFile(path.join(dataDir, 'pawsx', 'dev-en.tsv'), 'a\tb\t1\nc\td\t0\n\n');
  await writeFile(path.join(dataDir, 'pawsx', 'test-en.tsv'), 'e\tf\t1\n');
  await mkdir(path.join(dataDir, 'squad_it'));
  await writeFile(path.join(dataDir, 'squad_it', 'test.json.gz'), gzipSync(squad(4)));
});
after(() => rm(dataDir, { recursive: true, force: true }));

test('the scan lists every catalog dataset with the files and languages found', async () => {
  const catalog = createDatasetCatalog(dataDir);
  const list = await catalog.list();
  const mlqa = list.find((d) => d.name === 'mlqa-r')!;
  assert.deepEqual(mlqa.languages, ['de', 'en']);
  assert.deepEqual(mlqa.files.map((f) => f.name), ['de.json', 'en.json']);
  assert.equal(mlqa.bytes, mlqa.files[0]!.bytes + mlqa.files[1]!.bytes);
  assert.equal(mlqa.available, true);
  assert.equal(mlqa.trainable, true);
  const xnli = list.find((d) => d.name === 'xnli')!;
  assert.equal(xnli.available, false);
  assert.deepEqual(xnli.languages, []);
  assert.equal((await catalog.get('tydiqa'))?.trainable, true);
  assert.equal((await catalog.get('pawsx'))?.trainable, true);
  assert.equal((await catalog.get('muse'))?.trainable, true);
  assert.equal((await catalog.get('bucc2018'))?.trainable, false, 'BITEXT is evaluation only');
});

test('example counts: questions in SQuAD files (also gzipped), non-empty lines otherwise', async () => {
  const catalog = createDatasetCatalog(dataDir);
  assert.deepEqual(await catalog.exampleCounts('mlqa-r'), [{ language: 'de', count: 2 }, { language: 'en', count: 3 }]);
  assert.deepEqual(await catalog.exampleCounts('pawsx'), [{ language: 'en', count: 3 }]);
  assert.deepEqual(await catalog.exampleCounts('squad-it'), [{ language: 'it', count: 4 }]);
  assert.deepEqual(await catalog.exampleCounts('unknown'), []);
});
