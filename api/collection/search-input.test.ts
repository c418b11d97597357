import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphQLError } from 'graphql';
import { checkSearchOptions, clip, MAX_LANGUAGES, MAX_TEXT_LENGTH } from './search-input.js';

const at = (field: string) => `input.${field}`;
const ok = { text: 'Where does the river flow?' };

/** The BAD_USER_INPUT thrown for `input`, as field, value and message. */
function rejection(input: Parameters<typeof checkSearchOptions>[0], path = at) {
  try {
    checkSearchOptions(input, path);
  } catch (error) {
    assert.ok(error instanceof GraphQLError);
    assert.equal(error.extensions.code, 'BAD_USER_INPUT');
    return { field: error.extensions.field, value: error.extensions.value, message: error.message };
  }
  assert.fail(`accepted ${JSON.stringify(input).slice(0, 200)}`);
}

test('valid options pass, with k defaulted and the query language left to the worker when omitted', () => {
  const hybrid = { mode: 'HYBRID', fusion: { kind: 'WEIGHTED', denseWeight: 0.2 }, dictionary: true } as const;
  assert.deepEqual(checkSearchOptions(ok, at), { text: ok.text, k: 10, queryLanguage: null, languages: null, retrieval: hybrid });
  assert.deepEqual(checkSearchOptions({ text: 'Что такое GPU?', languages: ['ru', 'en'], k: 3 }, at), {
    text: 'Что такое GPU?', k: 3, queryLanguage: null, languages: ['ru', 'en'], retrieval: hybrid,
  });
  assert.equal(checkSearchOptions({ ...ok, queryLanguage: 'de' }, at).queryLanguage, 'de');
  const all = 'ar de el en es hi ro ru th tr vi zh ja ko fr it pt nl sv pl cs fi da no hu he fa id ms uk bg hr'.split(' ');
  assert.equal(all.length, MAX_LANGUAGES);
  assert.deepEqual(checkSearchOptions({ ...ok, languages: all }, at).languages, all);
  assert.equal(checkSearchOptions({ text: 'x'.repeat(MAX_TEXT_LENGTH) }, at).text.length, MAX_TEXT_LENGTH);
});

test('mode and fusion: defaults HYBRID with weighted fusion (dense 0.2), RRF k 60 when RRF is asked; settings of the other fusion method, fusion outside HYBRID and out-of-range values are refused by field', () => {
  assert.deepEqual(checkSearchOptions({ ...ok, mode: 'LEXICAL', dictionary: false }, at).retrieval, { mode: 'LEXICAL', fusion: { kind: 'WEIGHTED', denseWeight: 0.2 }, dictionary: false });
  assert.deepEqual(checkSearchOptions({ ...ok, fusion: { method: 'WEIGHTED' } }, at).retrieval.fusion, { kind: 'WEIGHTED', denseWeight: 0.2 });
  assert.deepEqual(checkSearchOptions({ ...ok, fusion: { method: 'RRF' } }, at).retrieval.fusion, { kind: 'RRF', k: 60 });
  assert.deepEqual(checkSearchOptions({ ...ok, fusion: { method: 'RRF', k: 10 } }, at).retrieval.fusion, { kind: 'RRF', k: 10 });
  const cases: [Record<string, unknown>, string][] = [
    [{ mode: 'DENSE', fusion: { method: 'RRF' } }, 'input.fusion'],
    [{ fusion: { method: 'RRF', k: 0 } }, 'input.fusion.k'],
    [{ fusion: { method: 'RRF', k: 2.5 } }, 'input.fusion.k'],
    [{ fusion: { method: 'RRF', k: 1001 } }, 'input.fusion.k'],
    [{ fusion: { method: 'RRF', denseWeight: 0.3 } }, 'input.fusion.denseWeight'],
    [{ fusion: { method: 'WEIGHTED', denseWeight: 1.5 } }, 'input.fusion.denseWeight'],
    [{ fusion: { method: 'WEIGHTED', denseWeight: Number.NaN } }, 'input.fusion.denseWeight'],
    [{ fusion: { method: 'WEIGHTED', k: 5 } }, 'input.fusion.k'],
  ];
  for (const [extra, field] of cases) assert.equal(rejection({ ...ok, ...extra } as Parameters<typeof checkSearchOptions>[0]).field, field, JSON.stringify(extra));
});

test('queryLanguage must be a lowercase ISO 639-1 code', () => {
  for (const code of ['EN', 'eng', 'en-US', 'xx', 'e', '', 'zh_CN']) {
    const { field, value, message } = rejection({ ...ok, queryLanguage: code });
    assert.equal(field, 'input.queryLanguage');
    assert.equal(value, code);
    assert.match(message, /^input\.queryLanguage: ".*" is not a lowercase ISO 639-1 code/);
  }
});

test('each entry of languages must be a code, listed once, the whole list 1 to 32 entries', () => {
  assert.deepEqual(rejection({ ...ok, languages: ['en', 'de', 'DE'] }), {
    field: 'input.languages[2]', value: 'DE', message: 'input.languages[2]: "DE" is not a lowercase ISO 639-1 code such as "en" or "zh"',
  });
  assert.deepEqual(rejection({ ...ok, languages: ['en', 'de', 'en'] }), {
    field: 'input.languages[2]', value: 'en', message: 'input.languages[2]: "en" is listed twice',
  });
  assert.equal(rejection({ ...ok, languages: [] }).field, 'input.languages');
  const many = rejection({ ...ok, languages: Array.from({ length: MAX_LANGUAGES + 1 }, () => 'en') });
  assert.deepEqual(many, { field: 'input.languages', value: '33 languages', message: 'input.languages: "33 languages" must name at most 32 (omit it for every language)' });
});

test('a text over 2,000 characters is refused with its length and only a clip of it echoed', () => {
  const text = 'a'.repeat(MAX_TEXT_LENGTH + 1);
  const { field, value, message } = rejection({ text });
  assert.equal(field, 'input.text');
  assert.equal(value, `${'a'.repeat(40)}…`);
  assert.ok(message.length < 200, message);
  assert.match(message, /is 2001 characters long; at most 2000 are searched$/);
  // Characters are code points: 2,000 emoji (4,000 UTF-16 units) are allowed, 2,001 are not.
  assert.doesNotThrow(() => checkSearchOptions({ text: '🌊'.repeat(MAX_TEXT_LENGTH) }, at));
  assert.equal(rejection({ text: '🌊'.repeat(MAX_TEXT_LENGTH + 1) }).value, `${'🌊'.repeat(40)}…`);
});

test('long rejected codes are echoed clipped too', () => {
  const code = 'x'.repeat(10_000);
  assert.equal(rejection({ ...ok, queryLanguage: code }).value, `${'x'.repeat(40)}…`);
  assert.equal(rejection({ ...ok, languages: ['en', code] }).value, `${'x'.repeat(40)}…`);
});

test('field paths come from the caller: searchBatch items and compareCollections arguments', () => {
  assert.equal(rejection({ ...ok, queryLanguage: 'EN' }, (f) => `inputs[3].${f}`).field, 'inputs[3].queryLanguage');
  assert.equal(rejection({ ...ok, languages: ['en', 'Deutsch'] }, (f) => f).field, 'languages[1]');
});

test('clip keeps short strings and cuts long ones on whole code points', () => {
  assert.equal(clip('short'), 'short');
  assert.equal(clip('abcdef', 3), 'abc…');
  assert.equal(clip('😀😀😀😀', 3), '😀😀😀…');
  assert.equal(clip('😀😀', 3), '😀😀');
});
