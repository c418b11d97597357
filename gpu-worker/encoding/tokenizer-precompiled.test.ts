import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { defaultSharedDir } from '../../schema/config.js';
import { createPrecompiledNormalizer } from './tokenizer-precompiled.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const modelsDir = defaultSharedDir('models', repoRoot, fs.existsSync);
const json = JSON.parse(gunzipSync(fs.readFileSync(path.join(modelsDir, 'xlmr-tokenizer', 'tokenizer.json.gz'))).toString('utf8')) as {
  normalizer: { precompiled_charsmap: string };
};
const normalize = createPrecompiledNormalizer(json.normalizer.precompiled_charsmap);
const codes = (text: string) => [...text].map((c) => c.codePointAt(0)!.toString(16));

test('the charsmap maps compatibility characters and whitespace like NFKC', () => {
  assert.equal(normalize('ＦＵＬＬ ﬁ ½'), 'FULL fi 1⁄2');
  assert.equal(normalize('a\tb\nc'), 'a b c');
  assert.equal(normalize('plain ascii text.'), 'plain ascii text.');
  assert.equal(normalize(''), '');
});

test('combining marks keep their order: the charsmap is not NFKC (which reorders shadda + fatha)', () => {
  const text = 'رد\u0651\u064e';
  assert.notEqual(text.normalize('NFKC'), text);
  assert.equal(normalize(text), text);
});

test('a grapheme under 6 bytes is replaced whole by its shortest matching key (the Rust quirk)', () => {
  // "A" + combining grave (3 bytes) is a key of its own: the composed character.
  assert.deepEqual(codes(normalize('A\u0300')), ['c0']);
  // Fullwidth A is a key; with a combining mark (5 bytes) the whole cluster becomes "A".
  assert.deepEqual(codes(normalize('\uff21\u0300')), ['41']);
  // Halfwidth KA + voiced mark is 6 bytes: character by character, so no precomposed GA.
  assert.deepEqual(codes(normalize('\uff76\uff9e')), ['30ab', '3099']);
});
