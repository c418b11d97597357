// Writes the demo bundle (deploy/demo/) from a full data folder, so that a machine with only the
// clone can run README's example end to end (deploy/demo.ts seeds ./data and ./models from it):
//
//   npm run build && node dist/deploy/make-demo.js [--data ../shared/data] [--models ../shared/models]
//
// Only share-alike or permissive sources (SOURCES.md): the first ARTICLES articles of XQuAD-R
// (CC-BY-SA-4.0; 11-way parallel, so every language keeps the same articles; the second holds
// README's census question), the first LINES lines of NTREX-128 in the XQuAD-R languages
// (CC-BY-SA-4.0), and the XLM-R tokenizer (Apache-2.0, vocabulary MIT). Their licenses go beside
// them; deploy/demo/SAMPLE.json records every file's sha256, which is how the platform tells a
// sample from the full dataset.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XQUAD_R_LANGUAGES } from '../schema/recipes.js';
import { argument } from '../bench/cli.js';
import { DEMO_SAMPLE_FILE, type DemoSample } from '../schema/demo.js';

const ARTICLES = 8;
const LINES = 1000;
const NTREX_FILES: Record<string, string> = {
  ar: 'newstest2019-ref.arb.txt', de: 'newstest2019-ref.deu.txt', el: 'newstest2019-ref.ell.txt', en: 'newstest2019-src.eng.txt',
  es: 'newstest2019-ref.spa.txt', hi: 'newstest2019-ref.hin.txt', ru: 'newstest2019-ref.rus.txt', th: 'newstest2019-ref.tha.txt',
  tr: 'newstest2019-ref.tur.txt', vi: 'newstest2019-ref.vie.txt', zh: 'newstest2019-ref.zho-CN.txt',
};

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dataDir = path.resolve(argument('data') ?? path.join(repoRoot, '..', 'shared', 'data'));
const modelsDir = path.resolve(argument('models') ?? path.join(repoRoot, '..', 'shared', 'models'));
const out = path.join(repoRoot, 'deploy', 'demo');

fs.rmSync(out, { recursive: true, force: true });
const files: Record<string, string> = {};
const write = (relative: string, content: Buffer | string) => {
  const target = path.join(out, relative);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, content);
  files[relative] = createHash('sha256').update(content).digest('hex');
};

for (const language of XQUAD_R_LANGUAGES) {
  const suite = JSON.parse(fs.readFileSync(path.join(dataDir, 'xquad-r', `${language}.json`), 'utf8')) as { data: unknown[]; version?: string };
  // Compact UTF-8 instead of the source's \u escapes: a third of the size for non-Latin scripts.
  write(`data/xquad-r/${language}.json`, JSON.stringify({ ...suite, data: suite.data.slice(0, ARTICLES) }));
}
write('data/xquad-r/LICENSE', fs.readFileSync(path.join(dataDir, 'xquad-r', 'LICENSE')));
for (const file of Object.values(NTREX_FILES)) {
  const lines = fs.readFileSync(path.join(dataDir, 'ntrex128', file), 'utf8').split('\n').slice(0, LINES);
  write(`data/ntrex128/${file}`, lines.join('\n') + '\n');
}
write('data/ntrex128/LICENSE.md', fs.readFileSync(path.join(dataDir, 'ntrex128', 'LICENSE.md')));
for (const name of ['tokenizer.json.gz', 'LICENSE']) write(`models/xlmr-tokenizer/${name}`, fs.readFileSync(path.join(modelsDir, 'xlmr-tokenizer', name)));

// Not in SAMPLE.json: seeding copies only what it records.
fs.writeFileSync(path.join(out, 'README.md'), `# Demo bundle

What \`npm start\` copies into \`./data\` and \`./models\` on a machine that has neither (deploy/demo.ts),
so README's example runs end to end. Written by \`node dist/deploy/make-demo.js\` from the data folder
described in its SOURCES.md. Numbers computed on it are sample-sized (\`sampleSized\` on evaluation
reports, status SAMPLE in \`datasets\`); \`npm run data -- pull xquad-r ntrex128\` replaces it with the
full datasets.

| folder | what | source | license |
|---|---|---|---|
| \`data/xquad-r/\` | XQuAD-R (LAReQA), the first ${ARTICLES} of 48 articles in each of its 11 languages, re-serialised as compact UTF-8 JSON | google-research-datasets/lareqa@9bc8c7fb (Artetxe et al. 2020; Roy et al. 2020) | CC-BY-SA-4.0 (\`data/xquad-r/LICENSE\`) |
| \`data/ntrex128/\` | NTREX-128, the first ${LINES} of 1,997 lines of the English source and 10 references in the XQuAD-R languages | MicrosoftTranslator/NTREX@8561f6a6 (Federmann et al. 2022) | CC-BY-SA-4.0 (\`data/ntrex128/LICENSE.md\`) |
| \`models/xlmr-tokenizer/\` | the XLM-R SentencePiece vocabulary as a Hugging Face tokenizer.json | vespa-engine/vespa@1f79d33d | Apache-2.0; vocabulary MIT (\`models/xlmr-tokenizer/LICENSE\`) |

Changed: only cut (whole articles, whole lines) and re-serialised; share-alike applies to this subset.
Not included: MLQA-R, XNLI and the MUSE dictionaries (CC-BY-NC-4.0), so the demo trains on NTREX-128
alone and lexical search has no dictionary bridge across languages.
`);

const sample: DemoSample = { articles: ARTICLES, lines: LINES, files };
fs.writeFileSync(path.join(out, DEMO_SAMPLE_FILE), JSON.stringify(sample, null, 1) + '\n');
const bytes = (prefix: string) => Object.keys(files).filter((f) => f.startsWith(prefix)).reduce((n, f) => n + fs.statSync(path.join(out, f)).size, 0);
console.log(`deploy/demo: data ${(bytes('data/') / 1e6).toFixed(2)} MB, models ${(bytes('models/') / 1e6).toFixed(2)} MB, ${Object.keys(files).length} files`);
