import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLanguageIdentifier, FALLBACK_LANGUAGE } from './language.js';

test('questions are identified in their language, Latin-script ones included', async () => {
  const { identify } = createLanguageIdentifier();
  const cases: Array<[string, string]> = [
    ['Wie viele Einwohner hatte Warschau im Jahr 1901?', 'de'],
    ['Wie viele Einwohner hat Berlin?', 'de'],
    ['How many people lived in Warsaw in 1901?', 'en'],
    ['¿Cuántos habitantes tenía Varsovia en 1901?', 'es'],
    ['Combien d’habitants comptait Varsovie en 1901 ?', 'fr'],
    ['Quantos habitantes tinha Varsóvia em 1901?', 'pt'],
    ['Varşova\'nın 1901\'de kaç nüfusu vardı?', 'tr'],
    ['Warszawa miała w 1901 roku ilu mieszkańców?', 'pl'],
    ['Varşovia avea câți locuitori în 1901?', 'ro'],
    ['Vào năm 1901, Warszawa có bao nhiêu dân?', 'vi'],
    ['Berapa jumlah penduduk Warsawa pada tahun 1901?', 'id'],
    ['Warsaw ilikuwa na wakazi wangapi mwaka 1901?', 'sw'],
    ['Сколько жителей было в Варшаве в 1901 году?', 'ru'],
    ['Скільки мешканців мала Варшава у 1901 році?', 'uk'],
    ['Колко жители е имала Варшава през 1901 година?', 'bg'],
    ['Πόσους κατοίκους είχε η Βαρσοβία το 1901;', 'el'],
    ['كم كان عدد سكان وارسو في عام 1901؟', 'ar'],
    ['1901 में वारसॉ की जनसंख्या कितनी थी?', 'hi'],
    ['1901年华沙有多少居民？', 'zh'],
    ['1901年のワルシャワの人口は何人でしたか？', 'ja'],
    ['ในปี 1901 วอร์ซอมีประชากรกี่คน', 'th'],
  ];
  const wrong = [];
  for (const [text, expected] of cases) {
    const got = await identify(text);
    if (got !== expected) wrong.push(`${text}: ${got}, expected ${expected}`);
  }
  assert.deepEqual(wrong, []);
});

test('text without letters falls back to the default language', async () => {
  const { identify } = createLanguageIdentifier();
  assert.equal(await identify('1901 ?'), FALLBACK_LANGUAGE);
});
