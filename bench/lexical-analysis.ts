// BM25 question -> sentence retrieval per language and per analysis variant (gpu-worker/lexical/analyzer.ts):
// the raw tokenizer of gpu-worker/evaluation/bm25.ts, the analyzer without stemming and stop words,
// with either, with both, and for zh/ja/th/ko dictionary words against character bigrams.
// Defaults are chosen on validation tasks built from data the study does not report on:
//   SQuAD-format sets (TyDi QA GoldP dev, CMRC 2018 dev, ARCD test, SQuAD-it test): candidates are the
//     sentences of the distinct contexts (ICU sentence breaks), relevant is the one holding answer_start;
//   XNLI dev (th and the languages above lack): hypothesis -> its premise among the 830 distinct premises;
//   PAWS-X dev (ja has nothing else): sentence2 -> its sentence1 (near the ceiling: paraphrases share words).
// XQuAD-R and MLQA-R (monolingual pools) are printed for information only.
//
//   npm run build && node dist/bench/lexical-analysis.js [--data-dir ../shared/data]
//
// mAP here is the mean reciprocal rank (one relevant sentence per query), pessimistic on ties.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBm25Index, tokenize } from '../gpu-worker/evaluation/bm25.js';
import { buildRetrievalBenchmark, type RetrievalBenchmarkName } from '../gpu-worker/evaluation/benchmark.js';
import { pessimisticRanks } from '../gpu-worker/evaluation/metrics.js';
import { createAnalyzer, type AnalyzerOptions, type Segmentation } from '../gpu-worker/lexical/analyzer.js';

interface Task {
  language: string;
  source: string;
  candidates: string[];
  queries: { text: string; relevant: number }[];
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const { values: args } = parseArgs({ options: { 'data-dir': { type: 'string', default: path.join(repoRoot, '..', 'shared', 'data') } } });
const dataDir = path.resolve(args['data-dir']!);

interface Squad {
  data: { paragraphs: { context: string; qas: { question: string; answers: { answer_start: number; text: string }[] }[] }[] }[];
}

/** SQuAD offsets count code points; JS strings count UTF-16 units. */
function utf16Offset(text: string, codePoints: number): number {
  let units = 0;
  for (let i = 0; i < codePoints && units < text.length; i++) units += text.codePointAt(units)! > 0xffff ? 2 : 1;
  return units;
}

function squadTask(language: string, source: string, json: Squad): Task {
  const sentences = new Intl.Segmenter(language, { granularity: 'sentence' });
  const candidates: string[] = [];
  const spans = new Map<string, { start: number; ends: number[] }>();
  const queries: Task['queries'] = [];
  for (const p of json.data.flatMap((a) => a.paragraphs)) {
    let span = spans.get(p.context);
    if (!span) {
      span = { start: candidates.length, ends: [] };
      for (const s of sentences.segment(p.context)) {
        candidates.push(s.segment.trim());
        span.ends.push(s.index + s.segment.length);
      }
      spans.set(p.context, span);
    }
    for (const qa of p.qas) {
      const answer = qa.answers[0];
      if (!answer) continue;
      let offset = answer.answer_start;
      if (p.context.slice(offset, offset + answer.text.length) !== answer.text) offset = utf16Offset(p.context, offset);
      const sentence = span.ends.findIndex((end) => offset < end);
      if (sentence >= 0) queries.push({ text: qa.question, relevant: span.start + sentence });
    }
  }
  return { language, source, candidates, queries };
}

/** Rows (query column, relevant column) of a TSV; the candidates are the distinct relevant texts. */
function pairTask(language: string, source: string, file: string, query: number, relevant: number): Task {
  const candidates: string[] = [];
  const index = new Map<string, number>();
  const queries: Task['queries'] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const cols = line.split('\t');
    const q = cols[query];
    const r = cols[relevant];
    if (!q || !r) continue;
    let i = index.get(r);
    if (i === undefined) index.set(r, (i = candidates.push(r) - 1));
    queries.push({ text: q, relevant: i });
  }
  return { language, source, candidates, queries };
}

const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(dataDir, file), 'utf8')) as Squad;

function validationTasks(): Task[] {
  const tasks: Task[] = [];
  for (const l of ['ar', 'bn', 'en', 'fi', 'id', 'ja', 'ko', 'ru', 'sw', 'te', 'th']) {
    const file = `tydiqa_goldp/tydiqa.goldp.${l}.dev.json`;
    if (fs.existsSync(path.join(dataDir, file))) tasks.push(squadTask(l, 'TyDi QA dev', readJson(file)));
  }
  tasks.push(squadTask('ar', 'ARCD test', readJson('arcd/arcd-test.json')));
  tasks.push(squadTask('zh', 'CMRC 2018 dev', readJson('cmrc2018/cmrc2018_dev.json')));
  const it = zlib.gunzipSync(fs.readFileSync(path.join(dataDir, 'squad_it/SQuAD_it-test.json.gz'))).toString('utf8');
  tasks.push(squadTask('it', 'SQuAD-it test', JSON.parse(it) as Squad));
  for (const l of ['ar', 'bg', 'de', 'el', 'en', 'es', 'fr', 'hi', 'ru', 'sw', 'th', 'tr', 'ur', 'vi', 'zh']) {
    tasks.push(pairTask(l, 'XNLI dev', path.join(dataDir, `xnli/dev-${l}.tsv`), 1, 0));
  }
  for (const l of ['ja', 'ko', 'zh']) tasks.push(pairTask(l, 'PAWS-X dev', path.join(dataDir, `pawsx/dev-${l}.tsv`), 1, 0));
  return tasks.sort((a, b) => a.language.localeCompare(b.language) || a.source.localeCompare(b.source));
}

async function testTasks(): Promise<Task[]> {
  const tasks: Task[] = [];
  for (const name of ['xquad-r', 'mlqa-r'] as RetrievalBenchmarkName[]) {
    const b = await buildRetrievalBenchmark(dataDir, name);
    b.languages.forEach((language, i) => {
      const pool = b.candidateRanges[i]!;
      const queries = b.queries.slice(b.queryRanges[i]!.start, b.queryRanges[i]!.end).map((q) => ({
        text: q.text,
        relevant: q.relevant.find((r) => r >= pool.start && r < pool.end)! - pool.start,
      }));
      tasks.push({ language, source: name === 'xquad-r' ? 'XQuAD-R' : 'MLQA-R', candidates: b.candidates.slice(pool.start, pool.end).map((c) => c.text), queries });
    });
  }
  return tasks;
}

function meanReciprocalRank(task: Task, analyse: (text: string) => string[]): number {
  const index = buildBm25Index(task.candidates.map(analyse));
  const scores = new Float32Array(index.size);
  let sum = 0;
  for (const q of task.queries) {
    index.score(analyse(q.text), scores);
    sum += 1 / pessimisticRanks(scores, 0, index.size, [q.relevant])[0]!;
  }
  return sum / task.queries.length;
}

const VARIANTS: { name: string; options?: AnalyzerOptions }[] = [
  { name: 'raw tokenize' },
  { name: 'normalised', options: { stem: false, stopWords: false } },
  { name: '+stem', options: { stem: true, stopWords: false } },
  { name: '+stop', options: { stem: false, stopWords: true } },
  { name: '+stem +stop', options: { stem: true, stopWords: true } },
];
const SEGMENTED = new Set(['zh', 'ja', 'th', 'ko']);
const SEGMENTATIONS: Segmentation[] = ['dictionary', 'bigram'];

/** One table row per task and segmentation; cells: mAP of each variant. */
function measure(tasks: Task[]): Map<string, number[]> {
  const rows = new Map<string, number[]>();
  for (const task of tasks) {
    for (const segmentation of SEGMENTED.has(task.language) ? SEGMENTATIONS : [undefined]) {
      const started = performance.now();
      const cells = VARIANTS.map(({ options }) => {
        if (!options) return meanReciprocalRank(task, tokenize);
        const analyzer = createAnalyzer(task.language, { ...options, segmentation });
        return meanReciprocalRank(task, (t) => analyzer.terms(t));
      });
      const key = `| ${task.language} | ${task.source} | ${segmentation ?? 'default'} | ${task.queries.length} | ${task.candidates.length}`;
      rows.set(key, cells);
      process.stderr.write(`${key} ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    }
  }
  return rows;
}

function print(title: string, rows: Map<string, number[]>): void {
  console.log(`\n### ${title}\n`);
  console.log(`| language | task | segmentation | queries | candidates | ${VARIANTS.map((v) => v.name).join(' | ')} |`);
  console.log(`|---|---|---|---:|---:|${VARIANTS.map(() => '---:').join('|')}|`);
  for (const [key, cells] of rows) {
    const best = Math.max(...cells);
    console.log(`${key} | ${cells.map((c) => (c === best ? `**${c.toFixed(3)}**` : c.toFixed(3))).join(' | ')} |`);
  }
  const means = VARIANTS.map((_, i) => [...rows.values()].reduce((s, c) => s + c[i]!, 0) / rows.size);
  console.log(`| mean of rows | | | | | ${means.map((m) => m.toFixed(3)).join(' | ')} |`);
}

/** Per segmented language and stop-word setting: mean mAP (stemming on) over its validation tasks, per segmentation. */
function choose(rows: Map<string, number[]>): void {
  console.log('\n### Segmentation chosen on validation (mean over the language\'s tasks)\n');
  for (const language of SEGMENTED) {
    const parts = (['+stem', '+stem +stop'] as const).map((variant) => {
      const column = VARIANTS.findIndex((v) => v.name === variant);
      const score = (s: Segmentation) => {
        const cells = [...rows].filter(([k]) => k.startsWith(`| ${language} |`) && k.includes(`| ${s} |`)).map(([, c]) => c[column]!);
        return cells.reduce((a, b) => a + b, 0) / cells.length;
      };
      const [d, b] = [score('dictionary'), score('bigram')];
      return `${variant}: dictionary ${d.toFixed(3)}, bigram ${b.toFixed(3)} -> ${d >= b ? 'dictionary' : 'bigram'}`;
    });
    console.log(`- ${language}: ${parts.join('; ')}`);
  }
}

const validation = measure(validationTasks());
const test = measure(await testTasks());
console.log(`Node ${process.version}, ${new Intl.DateTimeFormat('en', { dateStyle: 'medium' }).format(new Date())}`);
print('Validation (chooses the defaults)', validation);
choose(validation);
print('Test suites, monolingual (information only)', test);
