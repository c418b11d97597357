import assert from 'node:assert/strict';
import test from 'node:test';
import { DATA_MANIFEST } from './data-manifest.js';
import { canonicalUrl, isNonCommercial, manifestOf, parseSources, sourceOf } from './data-sources.js';
import { DATASETS } from './datasets.js';

const SOURCES = `# Sources

## demo  (2 files, 1 KiB)

A small demo set. EVAL.

| file | repo | path | commit | license | size | sha256 |
|---|---|---|---|---|---|---|
| demo/a.json | owner/repo | data/a.json | ${'a'.repeat(40)} | CC-BY-SA-4.0 | 12 | ${'0'.repeat(64)} |
| demo/LICENSE | owner/repo | LICENSE | ${'a'.repeat(40)} | CC-BY-NC-4.0 | 34 | ${'1'.repeat(64)} |

## empty  (0 files)

Nothing here.
`;

test('SOURCES.md tables become manifest folders; folders without files are left out', () => {
  const [demo, ...rest] = parseSources(SOURCES);
  assert.equal(rest.length, 0);
  assert.equal(demo!.folder, 'demo');
  assert.equal(demo!.description, 'A small demo set. EVAL.');
  assert.deepEqual(demo!.files[0], { file: 'demo/a.json', repo: 'owner/repo', path: 'data/a.json', commit: 'a'.repeat(40), license: 'CC-BY-SA-4.0', size: 12, sha256: '0'.repeat(64) });
  assert.throws(() => parseSources(SOURCES.replace('| 12 |', '| twelve |')), /malformed row for demo\/a\.json/);
});

test('sources: the pinned commit on GitHub, a mirror URL laid out as the data folder, or a mirror folder', () => {
  const [demo] = parseSources(SOURCES);
  const f = demo!.files[0]!;
  assert.equal(canonicalUrl(f), `https://raw.githubusercontent.com/owner/repo/${'a'.repeat(40)}/data/a.json`);
  assert.deepEqual(sourceOf(f, null), { kind: 'url', url: canonicalUrl(f) });
  assert.deepEqual(sourceOf(f, 'http://mirror.local/data/'), { kind: 'url', url: 'http://mirror.local/data/demo/a.json' });
  assert.deepEqual(sourceOf(f, '/srv/data'), { kind: 'folder', path: '/srv/data/demo/a.json' });
});

test('non-commercial licenses are recognised', () => {
  assert.ok(isNonCommercial('CC-BY-NC-4.0 (XNLI)'));
  assert.ok(!isNonCommercial('CC-BY-SA-4.0'));
  assert.ok(!isNonCommercial('Apache-2.0'));
});

test('the manifest covers every catalog dataset but the MUSE dictionaries, whose source is not recorded', () => {
  const uncovered = DATASETS.filter((d) => !manifestOf(d.name)).map((d) => d.name);
  assert.deepEqual(uncovered, ['muse', 'muse-5k']);
  for (const folder of DATA_MANIFEST) for (const f of folder.files) assert.ok(f.file.startsWith(`${folder.folder}/`), f.file);
  assert.ok(manifestOf('mlqa-r')!.files.some((f) => isNonCommercial(f.license)), 'MLQA-R is CC-BY-NC');
});
