import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locateAnswer, MIN_THAI_CHUNK, spanAt, splitSentences } from './sentences.js';

const split = (text: string, minThai?: number) => splitSentences(text, minThai).map((s) => text.slice(s.start, s.end));

test('Latin punctuation ends a sentence before whitespace, not inside numbers or before lowercase', () => {
  assert.deepEqual(split('Paris is in France. It has 2.1 million people! Is it big? Yes.'), [
    'Paris is in France.',
    'It has 2.1 million people!',
    'Is it big?',
    'Yes.',
  ]);
  assert.deepEqual(split('He said "Stop." Then he left.'), ['He said "Stop."', 'Then he left.']);
  assert.deepEqual(split('Wait... what happened? Nothing.'), ['Wait... what happened?', 'Nothing.']);
});

test('abbreviations, initials and ordinals do not end sentences', () => {
  assert.deepEqual(split('Dr. Smith met J. R. Tolkien in the U.S. in 1950. Am 1. Januar kam er an. Sie sind in den EE. UU. desde 1990.'), [
    'Dr. Smith met J. R. Tolkien in the U.S. in 1950.',
    'Am 1. Januar kam er an.',
    'Sie sind in den EE. UU. desde 1990.',
  ]);
});

test('Arabic and Urdu marks, CJK marks and the Devanagari danda end sentences anywhere', () => {
  assert.deepEqual(split('ما هي عاصمة فرنسا؟ باريس هي العاصمة. تقع على نهر السين.'), ['ما هي عاصمة فرنسا؟', 'باريس هي العاصمة.', 'تقع على نهر السين.']);
  assert.deepEqual(split('یہ کتاب ہے۔ وہ قلم ہے۔'), ['یہ کتاب ہے۔', 'وہ قلم ہے۔']);
  assert.deepEqual(split('巴黎是法国的首都。它有埃菲尔铁塔！你去过吗？“去过。”我说。'), ['巴黎是法国的首都。', '它有埃菲尔铁塔！', '你去过吗？', '“去过。”', '我说。']);
  assert.deepEqual(split('他来了吗?没有。'), ['他来了吗?', '没有。']);
  assert.deepEqual(split('पेरिस फ्रांस की राजधानी है। यह सीन नदी पर है।'), ['पेरिस फ्रांस की राजधानी है।', 'यह सीन नदी पर है।']);
});

test('Thai falls back to whitespace chunks, short ones merged', () => {
  const thai = 'ปารีสเป็นเมืองหลวงของฝรั่งเศส มีประชากรมากกว่าสองล้านคน หอไอเฟลตั้งอยู่ที่นี่';
  assert.deepEqual(split(thai, 1), ['ปารีสเป็นเมืองหลวงของฝรั่งเศส', 'มีประชากรมากกว่าสองล้านคน', 'หอไอเฟลตั้งอยู่ที่นี่']);
  assert.deepEqual(split(thai, 28), ['ปารีสเป็นเมืองหลวงของฝรั่งเศส', 'มีประชากรมากกว่าสองล้านคน หอไอเฟลตั้งอยู่ที่นี่']);
  assert.deepEqual(split('ปี 2015 มี'), ['ปี 2015 มี'], 'a span shorter than the minimum stays whole');
  assert.ok(MIN_THAI_CHUNK > 1);
});

test('newlines separate sentences; spans exclude surrounding whitespace', () => {
  const text = '  First line\nSecond line.  ';
  assert.deepEqual(splitSentences(text), [
    { start: 2, end: 12 },
    { start: 13, end: 25 },
  ]);
  assert.deepEqual(splitSentences('   '), []);
});

test('spanAt returns the span holding an offset, or the next one from a gap', () => {
  const spans = [
    { start: 0, end: 5 },
    { start: 7, end: 10 },
  ];
  assert.deepEqual(spanAt(spans, 4), spans[0]);
  assert.deepEqual(spanAt(spans, 5), spans[1]);
  assert.deepEqual(spanAt(spans, 9), spans[1]);
  assert.equal(spanAt(spans, 10), undefined);
});

test('locateAnswer trusts answer_start when the text is there, else the nearest occurrence', () => {
  const context = 'ab 😀 cat and cat';
  assert.equal(locateAnswer(context, 6, 'cat'), 6);
  // answer_start counted in code points (the emoji is one) lands one unit early.
  assert.equal(locateAnswer(context, 5, 'cat'), 6);
  assert.equal(locateAnswer(context, 14, 'cat'), 14);
  assert.equal(locateAnswer(context, 3, 'dog'), 3, 'text absent: answer_start stands');
  assert.equal(locateAnswer(context, 99, 'dog'), undefined);
  assert.equal(locateAnswer(context, 0, ''), undefined, 'no answer text: no answer');
});
