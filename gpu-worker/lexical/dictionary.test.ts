import assert from 'node:assert/strict';
import test from 'node:test';
import { createDictionaryBridge, type DictionaryPair, type WeightedWord } from './dictionary.js';

const pair = (from: string, to: string, lines: string): DictionaryPair => ({
  from,
  to,
  entries: lines
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/) as [string, string]),
});

const DE_EN = pair('de', 'en', `
  der the
  und and
  haus house
  haus home
  haus building
  haus household
  stadt city
  stadt town
  new neu
`);
const EN_ES = pair('en', 'es', `
  the el
  the la
  and y
  house casa
  home hogar
  home casa
  city ciudad
  town ciudad
  town pueblo
  new nuevo
  new_york nueva_york
`);
const ZH_EN = pair('zh', 'en', `
  北京 beijing
  大学 university
  大学 college
  北京大学 pku
  人 people
`);

// The weighting the arithmetic below is written for, whatever the defaults.
const SUM = { senseWeighting: 'rank', senseNormalisation: 'sum', frequentWords: 0 } as const;

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} != ${expected}`);
const total = (words: WeightedWord[]) => words.reduce((a, w) => a + w.weight, 0);

test('covers: identity, direct pairs, and pairs through English only when both legs exist', () => {
  const bridge = createDictionaryBridge([DE_EN, EN_ES, ZH_EN]);
  assert.ok(bridge.covers('th', 'th'));
  assert.ok(bridge.covers('de', 'en'));
  assert.ok(bridge.covers('en', 'es'));
  assert.ok(bridge.covers('de', 'es'));
  assert.ok(bridge.covers('zh', 'es'));
  assert.ok(!bridge.covers('es', 'en'), 'no es-en dictionary was given');
  assert.ok(!bridge.covers('es', 'de'));
  assert.ok(!bridge.covers('en', 'de'));
});

test('steps: 0 in the same language, 1 through a direct dictionary, 2 through English, none when not covered', () => {
  const bridge = createDictionaryBridge([DE_EN, EN_ES, ZH_EN]);
  assert.deepEqual(
    [bridge.steps('th', 'th'), bridge.steps('de', 'en'), bridge.steps('de', 'es'), bridge.steps('zh', 'es'), bridge.steps('es', 'de')],
    [0, 1, 2, 2, undefined],
  );
});

test('ownWeight: a language\'s most frequent words (its dictionary into English; for English, out of it) weigh ownFrequentWeight', () => {
  const bridge = createDictionaryBridge([DE_EN, EN_ES], { frequentWords: 2, ownFrequentWeight: 0.3 });
  assert.deepEqual(['der', 'und', 'haus'].map((w) => bridge.ownWeight(w, 'de')), [0.3, 0.3, 1]);
  assert.deepEqual(['the', 'house'].map((w) => bridge.ownWeight(w, 'en')), [0.3, 1], 'the first words of en-es');
  assert.equal(bridge.ownWeight('el', 'es'), 1, 'no es-en dictionary: no frequency ranks');
  assert.equal(createDictionaryBridge([DE_EN], { frequentWords: 2, ownFrequentWeight: 1 }).ownWeight('der', 'de'), 1);
});

test('the same language and uncovered pairs keep the words as they are', () => {
  const bridge = createDictionaryBridge([DE_EN]);
  const words = ['haus', '42'];
  assert.deepEqual(bridge.translate(words, 'de', 'de'), [{ text: 'haus', weight: 1 }, { text: '42', weight: 1 }]);
  assert.deepEqual(bridge.translate(words, 'fr', 'de'), [{ text: 'haus', weight: 1 }, { text: '42', weight: 1 }]);
});

test('words without an entry stay literal with weight 1; senses share their word weight by 1/rank', () => {
  const bridge = createDictionaryBridge([DE_EN], { ...SUM, maxSenses: 3 });
  const out = bridge.translate(['haus', 'müller', '1984'], 'de', 'en');
  assert.deepEqual(out.map((w) => w.text), ['house', 'home', 'building', 'müller', '1984']);
  close(out[0]!.weight, 1 / (1 + 1 / 2 + 1 / 3));
  close(out[1]!.weight, out[0]!.weight / 2);
  close(out[2]!.weight, out[0]!.weight / 3);
  close(total(out.slice(0, 3)), 1);
  assert.deepEqual(out.slice(3).map((w) => w.weight), [1, 1]);
});

test('maxSenses caps the senses; uniform weighting shares equally', () => {
  const one = createDictionaryBridge([DE_EN], { ...SUM, maxSenses: 1 }).translate(['haus'], 'de', 'en');
  assert.deepEqual(one, [{ text: 'house', weight: 1 }]);
  const uniform = createDictionaryBridge([DE_EN], { ...SUM, maxSenses: 2, senseWeighting: 'uniform' }).translate(['haus'], 'de', 'en');
  assert.deepEqual(uniform, [{ text: 'house', weight: 0.5 }, { text: 'home', weight: 0.5 }]);
});

test('the most frequent source words (first in the list) weigh frequentWeight', () => {
  const bridge = createDictionaryBridge([DE_EN], { ...SUM, frequentWords: 2, frequentWeight: 0.1 });
  const out = bridge.translate(['der', 'haus', 'und'], 'de', 'en');
  close(total(out.filter((w) => w.text === 'the' || w.text === 'and')), 0.2);
  close(total(out.filter((w) => w.text !== 'the' && w.text !== 'and')), 1);
});

test('through English: weights multiply, shared targets add up, fan-out capped at maxSenses', () => {
  const bridge = createDictionaryBridge([DE_EN, EN_ES], { ...SUM, maxSenses: 2, senseWeighting: 'uniform' });
  // haus -> house (1/2) -> casa; home (1/2) -> hogar (1/4), casa (1/4): casa 3/4, hogar 1/4.
  const haus = bridge.translate(['haus'], 'de', 'es');
  assert.deepEqual(haus.map((w) => w.text), ['casa', 'hogar']);
  close(haus[0]!.weight, 0.75);
  close(haus[1]!.weight, 0.25);
  // stadt -> city -> ciudad; town -> ciudad, pueblo: three products, two kept, renormalised.
  const stadt = bridge.translate(['stadt'], 'de', 'es');
  assert.deepEqual(stadt.map((w) => w.text), ['ciudad', 'pueblo']);
  close(total(stadt), 1);
  assert.ok(stadt[0]!.weight > stadt[1]!.weight);
});

test('through English, an English word the second dictionary lacks is kept (usually a name)', () => {
  const bridge = createDictionaryBridge([DE_EN, pair('en', 'es', 'house casa')], SUM);
  assert.deepEqual(bridge.translate(['stadt'], 'de', 'es').map((w) => w.text), ['city', 'town']);
});

test('multi-word entries match greedily, longest first', () => {
  const bridge = createDictionaryBridge([
    { from: 'en', to: 'es', entries: [['new', 'nuevo'], ['new york', 'nueva york'], ['new york city', 'ciudad de nueva york'], ['york', 'york']] },
  ]);
  assert.deepEqual(bridge.translate(['new', 'york', 'city', 'new', 'york', 'new'], 'en', 'es').map((w) => w.text), [
    'ciudad de nueva york',
    'nueva york',
    'nuevo',
  ]);
});

test('unspaced scripts: adjacent segments are joined when the join is an entry', () => {
  const bridge = createDictionaryBridge([ZH_EN], { ...SUM, maxSenses: 1 });
  // ICU may cut 北京大学 as 北京 | 大学 or 北 | 京 | 大学: the longest entry wins either way.
  assert.deepEqual(bridge.translate(['北京', '大学'], 'zh', 'en').map((w) => w.text), ['pku']);
  assert.deepEqual(bridge.translate(['北', '京', '人'], 'zh', 'en').map((w) => w.text), ['beijing', 'people']);
});

test('unspaced scripts: a segment missing from the dictionary is cut into the longest entries inside it', () => {
  const bridge = createDictionaryBridge([ZH_EN], { ...SUM, maxSenses: 1 });
  assert.deepEqual(bridge.translate(['在北京人多'], 'zh', 'en'), [
    { text: '在', weight: 1 },
    { text: 'beijing', weight: 1 },
    { text: 'people', weight: 1 },
    { text: '多', weight: 1 },
  ]);
  // Spaced scripts are not cut: "hausboot" is no house.
  assert.deepEqual(createDictionaryBridge([DE_EN], SUM).translate(['hausboot'], 'de', 'en'), [{ text: 'hausboot', weight: 1 }]);
});

test('every weight lies in (0, 1]', () => {
  const bridge = createDictionaryBridge([DE_EN, EN_ES, ZH_EN], { frequentWords: 1, frequentWeight: 0.05 });
  for (const [words, from, to] of [
    [['der', 'haus', 'stadt', 'x'], 'de', 'es'],
    [['北京大学', '人'], 'zh', 'es'],
  ] as const) {
    for (const w of bridge.translate(words, from, to)) assert.ok(w.weight > 0 && w.weight <= 1, `${w.text}: ${w.weight}`);
  }
});

test("senseNormalisation 'max' gives the first sense the word's whole weight", () => {
  const rank = createDictionaryBridge([DE_EN], { ...SUM, maxSenses: 3, senseNormalisation: 'max' }).translate(['haus'], 'de', 'en');
  assert.deepEqual(rank.map((w) => w.weight), [1, 1 / 2, 1 / 3]);
  const uniform = createDictionaryBridge([DE_EN, EN_ES], { ...SUM, senseNormalisation: 'max', senseWeighting: 'uniform', maxSenses: 2 });
  assert.deepEqual(uniform.translate(['haus'], 'de', 'en').map((w) => w.weight), [1, 1]);
  // Through English every path weighs 1: casa is reached twice (house, home), hogar once.
  assert.deepEqual(uniform.translate(['haus'], 'de', 'es'), [{ text: 'casa', weight: 1 }, { text: 'hogar', weight: 1 / 2 }]);
});

test("defaults: up to 5 senses, each with its word's full weight; the 100 most frequent words weigh 0.2", () => {
  const frequent = Array.from({ length: 100 }, (_, i): [string, string] => [`w${i}`, `t${i}`]);
  const bridge = createDictionaryBridge([{ from: 'de', to: 'en', entries: [...frequent, ...DE_EN.entries] }]);
  assert.deepEqual(bridge.translate(['w0', 'haus'], 'de', 'en'), [
    { text: 't0', weight: 0.2 },
    { text: 'house', weight: 1 },
    { text: 'home', weight: 1 },
    { text: 'building', weight: 1 },
    { text: 'household', weight: 1 },
  ]);
});
