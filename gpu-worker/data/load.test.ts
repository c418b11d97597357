import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { JobError } from '../../schema/jobs.js';
import { createDataCache } from './files.js';
import { loadTrainingGroups } from './load.js';

const failsWith = (pattern: RegExp) => (err: unknown) => err instanceof JobError && !err.retryable && pattern.test(err.message);

function squad(qas: { id: string; question: string; start: number; text: string }[], breaks: boolean) {
  const sentences = ['Paris is in France.', 'It has the Eiffel Tower.'];
  const paragraph = {
    context: sentences.join(' '),
    ...(breaks ? { sentence_breaks: [[0, 19], [20, 44]], sentences } : {}),
    qas: qas.map((q) => ({ id: q.id, question: q.question, answers: [{ text: q.text, answer_start: q.start }] })),
  };
  return JSON.stringify({ data: [{ title: 't', paragraphs: [paragraph] }] });
}

async function withDataDir(files: Record<string, string | Buffer>, run: (dir: string) => Promise<void>) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-data-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await fs.writeFile(path.join(dir, name), content);
    }
    await run(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

test('QA with sentence breaks: groups by question id across the requested languages', () =>
  withDataDir(
    {
      'mlqa-r/en.json': squad([{ id: 'q1', question: 'Where?', start: 1, text: 'x' }, { id: 'q2', question: 'What?', start: 25, text: 'x' }], true),
      'mlqa-r/de.json': squad([{ id: 'q1', question: 'Wo?', start: 1, text: 'x' }], true),
      'mlqa-r/LICENSE': 'text',
    },
    async (dir) => {
      const source = await loadTrainingGroups(dir, 'mlqa-r', ['de', 'en']);
      assert.equal(source.name, 'mlqa-r');
      assert.deepEqual(source.languages, ['de', 'en']);
      assert.deepEqual(source.groups.map((g) => [g.id, g.dataset, g.sourceId, [...g.items.keys()].sort()]), [
        ['q1', 'mlqa-r', 'q1', ['de', 'en']],
        ['q2', 'mlqa-r', 'q2', ['en']],
      ]);
      assert.deepEqual(source.groups[0]!.items.get('de'), { query: 'Wo?', passage: 'Paris is in France.' });
      await assert.rejects(loadTrainingGroups(dir, 'mlqa-r', ['en', 'fr', 'zh']), failsWith(/dataset mlqa-r has no fr, zh data; it has de, en/));
      await fs.writeFile(path.join(dir, 'mlqa-r', 'en.json'), '{oops');
      await assert.rejects(loadTrainingGroups(dir, 'mlqa-r', ['en']), failsWith(/mlqa-r\/en\.json: invalid JSON/));
    },
  ));

test('plain QA: monolingual groups keyed by language, gzipped files, languages without answers named', () =>
  withDataDir(
    {
      'squad_it/SQuAD_it-test.json.gz': gzipSync(squad([{ id: 'a1', question: 'Dove?', start: 12, text: 'France' }], false)),
      'tydiqa_goldp/tydiqa.goldp.en.train.json': squad(
        [
          { id: '12', question: 'Where?', start: 12, text: 'France' },
          { id: '12', question: 'What?', start: 31, text: 'Eiffel' },
        ],
        false,
      ),
      'tydiqa_goldp/tydiqa.goldp.ko.train.json': squad([{ id: '12', question: 'Eodi?', start: 31, text: 'Eiffel' }], false),
      'tydiqa_goldp/tydiqa.goldp.fi.dev.json': squad([{ id: 'f1', question: 'Missä?', start: 0, text: '' }], false),
    },
    async (dir) => {
      const it = await loadTrainingGroups(dir, 'squad-it', ['it']);
      assert.deepEqual(it.groups.map((g) => [g.id, g.sourceId, g.items.get('it')]), [['it:a1', 'a1', { query: 'Dove?', passage: 'Paris is in France.' }]]);
      const tydi = await loadTrainingGroups(dir, 'tydiqa', ['en', 'ko']);
      assert.deepEqual(
        tydi.groups.map((g) => [g.id, g.sourceId, [...g.items.keys()]]),
        [['en:12', '12', ['en']], ['en:12#2', '12', ['en']], ['ko:12', '12', ['ko']]],
        'an id repeated in one file, or in two languages, is not one group',
      );
      assert.equal(tydi.groups[1]!.items.get('en')!.query, 'What?');
      assert.equal(tydi.groups[2]!.items.get('ko')!.passage, 'It has the Eiffel Tower.');
      await assert.rejects(loadTrainingGroups(dir, 'tydiqa', ['fi', 'en']), failsWith(/dataset tydiqa has no fi data; it has en, ko$/));
    },
  ));

test('line-parallel datasets read dev files only and group by line', () =>
  withDataDir(
    {
      'xnli/dev-en.tsv': 'P\tH-no\tcontradiction\nP\tH-yes\tentailment\n',
      'xnli/dev-de.tsv': 'P-de\tH-nein\tcontradiction\nP-de\tH-ja\tentailment\n',
      'xnli/test-en.tsv': 'P\tH\n',
      'pawsx/dev-en.tsv': 'a\tb\t1\nc\td\t0\n',
      'pawsx/dev-fr.tsv': 'a-fr\tb-fr\t0\nc-fr\td-fr\t1\n',
      'ntrex128/newstest2019-src.eng.txt': 'Hello.\nBye.\n',
      'ntrex128/newstest2019-ref.zho-CN.txt': '你好。\n再见。\n',
      'ntrex128/newstest2019-ref.xyz.txt': 'unmapped\n',
    },
    async (dir) => {
      const xnli = await loadTrainingGroups(dir, 'xnli', ['en', 'de']);
      assert.deepEqual(xnli.groups.map((g) => [g.id, g.items.get('de')]), [['dev:2', { query: 'P-de', passage: 'H-ja', hardNegative: 'H-nein' }]]);
      const pawsx = await loadTrainingGroups(dir, 'pawsx', ['en', 'fr']);
      assert.deepEqual(pawsx.groups.map((g) => [g.id, [...g.items.keys()]]), [['dev:1', ['en']], ['dev:2', ['fr']]]);
      const ntrex = await loadTrainingGroups(dir, 'ntrex128', ['zh', 'en']);
      assert.deepEqual(ntrex.groups.map((g) => [g.id, g.items.get('zh')!.query, g.items.get('en')!.passage]), [['newstest2019:1', '你好。', 'Hello.'], ['newstest2019:2', '再见。', 'Bye.']]);
    },
  ));

test('MUSE and BUCC load through the same entry point', () =>
  withDataDir(
    {
      'muse/en-de.txt': 'cat\tKatze\ndog\tHund\n',
      'muse/de-en.txt': 'Katze\tcat\n',
      'muse/en-fr.txt': 'cat\tchat\n',
      'bucc2018/zh-en.dev.zh': 'zh-1\t猫\n',
      'bucc2018/zh-en.dev.en': 'en-1\tcat\n',
      'bucc2018/zh-en.dev.gold': 'zh-1\ten-1\n',
    },
    async (dir) => {
      const muse = await loadTrainingGroups(dir, 'muse', ['en', 'fr']);
      assert.deepEqual(muse.groups.map((g) => [g.id, g.items.get('fr')?.query, g.items.get('en')?.query]), [['cat', 'chat', 'cat']]);
      assert.deepEqual((await loadTrainingGroups(dir, 'muse', ['en'])).groups.map((g) => g.id), ['cat', 'dog']);
      await assert.rejects(loadTrainingGroups(dir, 'muse', ['ja']), failsWith(/muse has no ja data; it has de, en, fr/));
      const bucc = await loadTrainingGroups(dir, 'bucc2018', ['zh', 'en']);
      assert.deepEqual(bucc.groups.map((g) => [g.id, g.items.get('zh')?.query, g.items.get('en')?.query]), [['zh-1/en-1', '猫', 'cat']]);
    },
  ));

test('muse-5k reads the first 5,000 entries of each dictionary, in file order', () =>
  withDataDir(
    {
      'muse/en-de.txt': Array.from({ length: 5002 }, (_, i) => `w${i}\tW${i}`).join('\n') + '\nw0\tX\n',
      'muse/en-fr.txt': 'w5001\tm5001\nw1\tm1\n',
    },
    async (dir) => {
      const top = await loadTrainingGroups(dir, 'muse-5k', ['en', 'de', 'fr']);
      const de = top.groups.filter((g) => g.items.has('de'));
      assert.equal(de.length, 5000);
      assert.ok(!de.some((g) => g.id === 'w5000' || g.id === 'w5001'));
      // Shorter files are read whole: w5001 stays through French.
      assert.deepEqual([...top.groups.find((g) => g.id === 'w5001')!.items.keys()].sort(), ['en', 'fr']);
      assert.equal(top.groups.find((g) => g.id === 'w0')!.items.get('de')!.query, 'W0');
      assert.equal((await loadTrainingGroups(dir, 'muse', ['en', 'de'])).groups.length, 5002);
    },
  ));

test('an imported JSONL file is the dataset when importedPath is given', () =>
  withDataDir(
    {
      'imports/mine.jsonl': [
        { id: 'x', language: 'en', query: 'q', passage: 'p', hard_negative: 'n' },
        { id: 'x', language: 'de', query: 'Q', passage: 'P' },
        { id: 'y', language: 'en', query: 'q2', passage: 'p2' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
      'imports/bad.jsonl': '{"id": "x", "language": "english", "query": "q", "passage": "p"}\n',
    },
    async (dir) => {
      const importedPath = path.join(dir, 'imports', 'mine.jsonl');
      const source = await loadTrainingGroups(dir, 'mine', ['de', 'en'], { importedPath });
      assert.deepEqual(source.groups.map((g) => [g.id, g.dataset, g.sourceId, [...g.items.keys()].sort()]), [
        ['x', 'mine', 'x', ['de', 'en']],
        ['y', 'mine', 'y', ['en']],
      ]);
      assert.deepEqual(source.groups[0]!.items.get('en'), { query: 'q', passage: 'p', hardNegative: 'n' });
      await assert.rejects(loadTrainingGroups(dir, 'mine', ['fr'], { importedPath }), failsWith(/dataset mine has no fr data; it has de, en/));
      await assert.rejects(loadTrainingGroups(dir, 'bad', ['en'], { importedPath: path.join(dir, 'imports', 'bad.jsonl') }), failsWith(/line 1, language: must be/));
      await assert.rejects(loadTrainingGroups(dir, 'gone', ['en'], { importedPath: path.join(dir, 'nope.jsonl') }), failsWith(/cannot read .*nope\.jsonl/));
    },
  ));

test('requests are checked: unknown datasets, missing folders, bad language lists', () =>
  withDataDir({}, async (dir) => {
    await assert.rejects(loadTrainingGroups(dir, 'no-such-set', ['en']), failsWith(/unknown dataset "no-such-set"; known: xquad-r/));
    await assert.rejects(loadTrainingGroups(dir, 'xnli', ['en']), failsWith(/dataset xnli: cannot list .*ENOENT/));
    await assert.rejects(loadTrainingGroups(dir, 'xnli', []), failsWith(/no languages requested/));
    await assert.rejects(loadTrainingGroups(dir, 'xnli', ['en', 'eng']), failsWith(/not ISO 639-1 language codes: eng/));
    await assert.rejects(loadTrainingGroups(dir, 'xnli', ['en', 'en']), failsWith(/duplicate languages/));
  }));

test('a cache parses each file version once', () =>
  withDataDir({ 'pawsx/dev-en.tsv': 'a\tb\t1\n', 'pawsx/dev-de.tsv': 'A\tB\t1\n' }, async (dir) => {
    const cache = createDataCache();
    const first = await loadTrainingGroups(dir, 'pawsx', ['en', 'de'], { cache });
    const again = await loadTrainingGroups(dir, 'pawsx', ['en', 'de'], { cache });
    assert.equal(again.groups[0]!.items.get('en'), first.groups[0]!.items.get('en'), 'the same parsed object');
    const file = path.join(dir, 'pawsx', 'dev-en.tsv');
    await fs.writeFile(file, 'changed\tagain\t1\n');
    await fs.utimes(file, new Date(), new Date(Date.now() + 5000));
    const changed = await loadTrainingGroups(dir, 'pawsx', ['en', 'de'], { cache });
    assert.equal(changed.groups[0]!.items.get('en')!.query, 'changed');
  }));
