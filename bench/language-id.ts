// Query language identification (gpu-worker/serving/language.ts) on NTREX-128: every sentence of
// 20+ characters of the 30 languages of the data folder (none of it was used to build the models:
// ELD and franc ship their own), and short queries made of each sentence's first four words:
//
//   npm run build && node dist/bench/language-id.js
//
// Not a test: nothing here asserts an accuracy.

import fs from 'node:fs';
import path from 'node:path';
import { defaultSharedDir } from '../schema/config.js';
import { createLanguageIdentifier } from '../gpu-worker/serving/language.js';

const NTREX: Readonly<Record<string, string>> = {
  'src.eng': 'en', 'ref.arb': 'ar', 'ref.ben': 'bn', 'ref.bul': 'bg', 'ref.ces': 'cs', 'ref.deu': 'de', 'ref.ell': 'el', 'ref.fas': 'fa',
  'ref.fin': 'fi', 'ref.fra': 'fr', 'ref.heb': 'he', 'ref.hin': 'hi', 'ref.ind': 'id', 'ref.ita': 'it', 'ref.jpn': 'ja', 'ref.kor': 'ko',
  'ref.nld': 'nl', 'ref.pol': 'pl', 'ref.por': 'pt', 'ref.ron': 'ro', 'ref.rus': 'ru', 'ref.spa': 'es', 'ref.swa': 'sw', 'ref.tel': 'te',
  'ref.tha': 'th', 'ref.tur': 'tr', 'ref.ukr': 'uk', 'ref.urd': 'ur', 'ref.vie': 'vi', 'ref.zho-CN': 'zh',
};

const dir = path.join(defaultSharedDir('data', process.cwd(), fs.existsSync), 'ntrex128');
const rssBefore = process.memoryUsage().rss;
const { identify } = createLanguageIdentifier();
const loadStart = performance.now();
await identify('warm up');
const loadMs = performance.now() - loadStart;
const rssAfter = process.memoryUsage().rss;

const pct = (n: number, d: number) => `${((n / d) * 100).toFixed(1)}%`;
const rows: string[] = [];
let detections = 0;
let spent = 0;
let worst = { language: '', share: 1 };
for (const [file, language] of Object.entries(NTREX).sort((a, b) => a[1].localeCompare(b[1]))) {
  const lines = fs.readFileSync(path.join(dir, `newstest2019-${file}.txt`), 'utf8').split('\n').filter((l) => [...l.trim()].length >= 20);
  let right = 0;
  let shortRight = 0;
  let shortCount = 0;
  const confusions = new Map<string, number>();
  for (const line of lines) {
    const start = performance.now();
    const got = await identify(line);
    spent += performance.now() - start;
    detections++;
    if (got === language) right++;
    else confusions.set(got, (confusions.get(got) ?? 0) + 1);
    const short = line.split(/\s+/).slice(0, 4).join(' ');
    if ([...short].length >= 8) {
      shortCount++;
      if ((await identify(short)) === language) shortRight++;
    }
  }
  if (right / lines.length < worst.share) worst = { language, share: right / lines.length };
  const top = [...confusions].sort((a, b) => b[1] - a[1]).slice(0, 2).map(([l, n]) => `${l} ${n}`).join(', ');
  rows.push(`| ${language} | ${lines.length} | ${pct(right, lines.length)} | ${pct(shortRight, shortCount)} | ${top} |`);
}
console.log(`ELD extrasmall + franc: loaded in ${loadMs.toFixed(0)} ms, +${((rssAfter - rssBefore) / 2 ** 20).toFixed(0)} MiB RSS; ${((spent / detections) * 1000).toFixed(0)} µs per sentence`);
console.log('\n| language | sentences (20+ chars) | right | right, first 4 words | most frequent wrong answers |');
console.log('|---|---|---|---|---|');
for (const row of rows) console.log(row);
console.log(`\nworst language: ${worst.language} ${(worst.share * 100).toFixed(1)}%`);
