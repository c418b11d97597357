import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAnalyzer, normalise, STEMMED_LANGUAGES } from './analyzer.js';

test('English terms are folded and stemmed (stop words removed on request), in order with repeats', () => {
  const en = createAnalyzer('en', { stopWords: true });
  assert.deepEqual(en.terms('The Runners were running, and RUNNING!'), ['runner', 'run', 'run']);
  // English keeps stop words by default: removing them cost BM25 on validation data.
  assert.deepEqual(createAnalyzer('en').terms('The Runners'), ['the', 'runner']);
  // Turkish drops them by default: there they helped.
  assert.equal(createAnalyzer('tr').terms('ve').length, 0);
  assert.deepEqual(en.words('The Runners were running, and RUNNING!'), ['the', 'runners', 'were', 'running', 'and', 'running']);
});

test('stemming and stop words can each be turned off', () => {
  assert.deepEqual(createAnalyzer('en', { stem: false, stopWords: true }).terms('the runners'), ['runners']);
  assert.deepEqual(createAnalyzer('en', { stopWords: false }).terms('the runners'), ['the', 'runner']);
  assert.deepEqual(createAnalyzer('en', { stem: false, stopWords: false }).terms('The runners'), ['the', 'runners']);
});

test('NFKC folds compatibility forms before matching', () => {
  const en = createAnalyzer('en', { stopWords: false, stem: false });
  assert.deepEqual(en.terms('ＡＢＣ ﬁle'), ['abc', 'file']);
});

test('German ß and ss meet, with and without stemming', () => {
  for (const stem of [true, false]) {
    const de = createAnalyzer('de', { stem });
    assert.deepEqual(de.terms('Straße'), de.terms('STRASSE'));
  }
  assert.deepEqual(createAnalyzer('de').words('Die Straße'), ['die', 'strasse']);
});

test('Turkish folds I to dotless ı and İ to i', () => {
  assert.equal(normalise('IŞIK İstanbul', 'tr'), 'ışık istanbul');
  assert.equal(normalise('INFO', 'en'), 'info');
  const tr = createAnalyzer('tr');
  assert.deepEqual(tr.terms('KİTAPLARI'), tr.terms('kitapları'));
});

test('Greek: accents and case meet after stemming', () => {
  const el = createAnalyzer('el');
  assert.deepEqual(el.terms('ΆΝΘΡΩΠΟΙ'), el.terms('άνθρωποι'));
  assert.deepEqual(createAnalyzer('el', { stem: false, stopWords: false }).terms('Άνθρωποι'), ['ανθρωποι']);
});

test('Arabic, Hindi and Vietnamese keep their marks in words', () => {
  assert.deepEqual(createAnalyzer('hi').words('लड़कियों ने'), ['लड़कियों', 'ने']);
  assert.deepEqual(createAnalyzer('vi').words('Tiếng Việt.'), ['tiếng', 'việt']);
  assert.deepEqual(createAnalyzer('ar').words('الكتابُ الجديد'), ['الكتابُ', 'الجديد']);
  assert.deepEqual(createAnalyzer('ar').terms('المكتبات'), ['مكتب']);
});

test('Chinese, Japanese and Thai words come from the dictionary segmenter', () => {
  assert.deepEqual(createAnalyzer('th').words('ภาษาไทยเป็นภาษาที่สวยงาม'), ['ภาษา', 'ไทย', 'เป็น', 'ภาษา', 'ที่', 'สวยงาม']);
  assert.deepEqual(createAnalyzer('ja').words('東京に住んでいます。'), ['東京', 'に', '住', 'んで', 'い', 'ます']);
  const zh = createAnalyzer('zh').words('我们喜欢北京。');
  assert.ok(zh.includes('北京') && zh.join('') === '我们喜欢北京', zh.join('|'));
});

test('segmentation chooses between dictionary words and overlapping bigrams', () => {
  const bigram = createAnalyzer('zh', { segmentation: 'bigram', stopWords: false });
  assert.deepEqual(bigram.terms('喜欢北京'), ['喜欢', '欢北', '北京']);
  const dict = createAnalyzer('zh', { segmentation: 'dictionary', stopWords: false });
  assert.deepEqual(dict.terms('喜欢北京'), ['喜欢', '北京']);
  assert.deepEqual(createAnalyzer('ko', { segmentation: 'bigram', stopWords: false }).terms('서울에서 살다'), ['서울', '울에', '에서', '살다']);
  assert.deepEqual(createAnalyzer('ko', { segmentation: 'dictionary', stopWords: false }).terms('서울에서 살다'), ['서울에서', '살다']);
});

test('default segmentation follows the validation measurement', () => {
  assert.deepEqual(createAnalyzer('ko', { stopWords: false }).terms('서울에서'), ['서울', '울에', '에서']);
  assert.deepEqual(createAnalyzer('ko', { stopWords: true }).terms('서울에서'), ['서울', '울에']);
  assert.deepEqual(createAnalyzer('zh', { stopWords: true }).terms('喜欢北京'), ['喜欢', '欢北', '北京']);
  assert.deepEqual(createAnalyzer('zh').terms('喜欢北京'), ['喜欢', '北京'], 'Chinese keeps stop words by default, and then dictionary words win');
  assert.ok(createAnalyzer('th').terms('ภาษาไทย').includes('ไทย'));
});

test('stop words apply to dictionary words of unspaced scripts', () => {
  const th = createAnalyzer('th', { segmentation: 'dictionary', stopWords: true });
  assert.ok(!th.terms('ภาษาไทยเป็นภาษาที่สวยงาม').includes('ที่'));
  assert.ok(createAnalyzer('th', { segmentation: 'dictionary', stopWords: false }).terms('ภาษาที่สวยงาม').includes('ที่'));
});

test('unknown languages get a generic analyzer and never throw', () => {
  for (const language of ['xx', '', 'not a tag', 'zz-Latn']) {
    const a = createAnalyzer(language);
    assert.equal(a.language, language);
    assert.deepEqual(a.terms('Hello, World! 42'), ['hello', 'world', '42']);
    assert.deepEqual(a.terms('北京'), ['北京']);
    assert.deepEqual(a.terms('喜欢北京'), ['喜欢', '欢北', '北京']);
    assert.ok(a.words('ภาษาไทยเป็นภาษา').includes('ไทย'));
  }
});

test('region subtags select the language', () => {
  assert.deepEqual(createAnalyzer('en-GB').terms('running'), ['run']);
  assert.deepEqual(createAnalyzer('pt_BR').terms('corridas'), createAnalyzer('pt').terms('corridas'));
});

test('STEMMED_LANGUAGES lists the stemmed data-folder languages and no unstemmed one', () => {
  for (const l of ['ar', 'de', 'el', 'en', 'es', 'fi', 'fr', 'hi', 'id', 'it', 'pt', 'ru', 'tr']) assert.ok(STEMMED_LANGUAGES.includes(l), l);
  for (const l of ['zh', 'ja', 'th', 'vi', 'ko']) assert.ok(!STEMMED_LANGUAGES.includes(l), l);
  for (const l of STEMMED_LANGUAGES) assert.doesNotThrow(() => createAnalyzer(l).terms('test'));
});

test('empty and punctuation-only texts give no terms', () => {
  const en = createAnalyzer('en');
  assert.deepEqual(en.terms(''), []);
  assert.deepEqual(en.terms(' ,.!? — '), []);
  assert.deepEqual(en.words('...'), []);
});

test('Chinese in Traditional characters is analysed as Simplified', () => {
  const zh = createAnalyzer('zh');
  assert.deepEqual(zh.terms('華沙的人口普查'), zh.terms('华沙的人口普查'));
  assert.deepEqual(zh.words('華沙'), ['华沙']);
});
