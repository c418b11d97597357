import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { hidePaths, isInside, resolveConfined, shownPath, tail } from './confined.js';

let base: string;
let root: string;
let second: string;
before(async () => {
  base = await realpath(await mkdtemp(path.join(tmpdir(), 'xling-confined-')));
  root = path.join(base, 'root');
  second = path.join(base, 'second');
  await mkdir(path.join(root, 'sub'), { recursive: true });
  await mkdir(second);
  await writeFile(path.join(root, 'sub', 'a.jsonl'), '{}');
  await writeFile(path.join(base, 'outside.jsonl'), '{}');
  await writeFile(path.join(second, 'b.jsonl'), '{}');
  await symlink(path.join(base, 'outside.jsonl'), path.join(root, 'escape.jsonl'));
  await symlink(base, path.join(root, 'up'));
  await symlink(path.join(root, 'sub', 'a.jsonl'), path.join(root, 'inner.jsonl'));
  await symlink(root, path.join(base, 'root-link'));
});
after(() => rm(base, { recursive: true, force: true }));

test('isInside compares whole segments', () => {
  assert.equal(isInside('/srv/data', '/srv/data'), true);
  assert.equal(isInside('/srv/data', '/srv/data/x/y'), true);
  assert.equal(isInside('/srv/data', '/srv/data2/x'), false);
  assert.equal(isInside('/srv/data', '/srv'), false);
  assert.equal(isInside('/srv/data', '/srv/data/..foo'), true);
});

test('relative paths resolve against the first root, absolute ones must be inside a root', async () => {
  assert.deepEqual(await resolveConfined('sub/a.jsonl', [root, second]), {
    absolute: path.join(root, 'sub', 'a.jsonl'), root, relative: path.join('sub', 'a.jsonl'),
  });
  assert.equal((await resolveConfined(path.join(second, 'b.jsonl'), [root, second]))?.relative, 'b.jsonl');
  assert.equal(await resolveConfined('b.jsonl', [root, second]), undefined, 'not against the second root');
  assert.equal((await resolveConfined('sub/../sub/a.jsonl', [root]))?.relative, path.join('sub', 'a.jsonl'));
});

test('outside, missing, `..` and symlinks leading out all give undefined', async () => {
  for (const given of [
    '/etc/passwd', '/proc/self/environ', '../../../../etc/hostname', '../outside.jsonl', path.join(base, 'outside.jsonl'),
    'escape.jsonl', 'up/outside.jsonl', 'missing.jsonl', '/no/such/file', '', ' ', 'sub/a.jsonl\0',
  ]) {
    assert.equal(await resolveConfined(given, [root]), undefined, given);
  }
  assert.equal(await resolveConfined('sub/a.jsonl', []), undefined);
});

test('a symlink staying inside is followed; a root reached through a symlink works in both spellings', async () => {
  assert.equal((await resolveConfined('inner.jsonl', [root]))?.relative, path.join('sub', 'a.jsonl'));
  const linked = path.join(base, 'root-link');
  assert.equal((await resolveConfined('sub/a.jsonl', [linked]))?.absolute, path.join(root, 'sub', 'a.jsonl'));
  assert.equal((await resolveConfined(path.join(root, 'sub', 'a.jsonl'), [linked]))?.relative, path.join('sub', 'a.jsonl'));
  assert.equal((await resolveConfined(path.join(linked, 'sub', 'a.jsonl'), [linked]))?.relative, path.join('sub', 'a.jsonl'));
});

test('shownPath is relative to the holding root, else the last segments only', () => {
  assert.equal(shownPath('/srv/data/x/a.jsonl', [undefined, '/srv/data']), 'x/a.jsonl');
  assert.equal(shownPath('/elsewhere/deep/a.jsonl', ['/srv/data']), 'a.jsonl');
  assert.equal(shownPath('/ckpt/run-1/step-20', [], 2), 'run-1/step-20');
  assert.equal(tail('/', 1), '.');
});

test('hidePaths replaces the longest paths first', () => {
  assert.equal(
    hidePaths('/srv/models/m/config.json: bad; see /srv/models', [['/srv/models', 'MODELS_DIR'], ['/srv/models/m', 'm']]),
    'm/config.json: bad; see MODELS_DIR',
  );
});
