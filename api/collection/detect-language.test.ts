import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectLanguage } from './detect-language.js';

test('detectLanguage maps single-language scripts and falls back to en for Latin', () => {
  assert.equal(detectLanguage('北京是中国的首都'), 'zh');
  assert.equal(detectLanguage('東京は日本の首都です'), 'ja');
  assert.equal(detectLanguage('서울은 한국의 수도입니다'), 'ko');
  assert.equal(detectLanguage('กรุงเทพ'), 'th');
  assert.equal(detectLanguage('ما هي عاصمة مصر؟'), 'ar');
  assert.equal(detectLanguage('भारत की राजधानी क्या है?'), 'hi');
  assert.equal(detectLanguage('Какая столица России?'), 'ru');
  assert.equal(detectLanguage('Ποια είναι η πρωτεύουσα;'), 'el');
  assert.equal(detectLanguage('Was ist die Hauptstadt?'), 'en');
  assert.equal(detectLanguage('1234 ?!'), 'en');
  // The majority script wins over a few Latin letters.
  assert.equal(detectLanguage('Что такое GPU?'), 'ru');
});
