// `npm start` on a machine with only the clone: the default data and models folders do not exist,
// so they are filled from the demo bundle (deploy/demo/, see deploy/make-demo.ts and schema/demo.ts)
// and README's example runs end to end on sample-sized data. Each folder is assembled beside its
// place and renamed into it, so an interrupted copy leaves no half-filled folder behind.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlatformSettings } from '../schema/config.js';
import { DEMO_SAMPLE_FILE, type DemoSample } from '../schema/demo.js';

/** deploy/demo/ of this checkout (this module runs from dist/deploy/). */
export const DEMO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'deploy', 'demo');

/** Fills the missing default folders from the bundle; returns what it filled. */
export async function seedFromDemo(settings: PlatformSettings, log: (line: string) => void, demoDir = DEMO_DIR): Promise<Array<'data' | 'models'>> {
  const missing = settings.missingDefaults;
  if (!missing) return [];
  const bundle = JSON.parse(await readFile(path.join(demoDir, DEMO_SAMPLE_FILE), 'utf8')) as DemoSample;
  const seeded: Array<'data' | 'models'> = [];
  for (const [kind, target] of [['data', settings.dataDir], ['models', settings.modelsDir]] as const) {
    if (!missing[kind]) continue;
    const files = Object.entries(bundle.files).filter(([file]) => file.startsWith(`${kind}/`));
    const draft = `${target}.demo-${randomBytes(4).toString('hex')}`;
    try {
      for (const [file, sha256] of files) {
        const from = path.join(demoDir, file);
        const to = path.join(draft, file.slice(kind.length + 1));
        const content = await readFile(from);
        const actual = createHash('sha256').update(content).digest('hex');
        if (actual !== sha256) throw new Error(`${path.relative(process.cwd(), from)} is not the file the bundle records (sha256 ${actual})`);
        await mkdir(path.dirname(to), { recursive: true });
        await writeFile(to, content);
      }
      if (kind === 'data') {
        const record: DemoSample = { ...bundle, files: Object.fromEntries(files.map(([file, sha256]) => [file.slice('data/'.length), sha256])) };
        await writeFile(path.join(draft, DEMO_SAMPLE_FILE), JSON.stringify(record, null, 1) + '\n');
      }
      await mkdir(path.dirname(target), { recursive: true });
      try {
        await rename(draft, target);
        seeded.push(kind);
      } catch (error) {
        // Another first start filled it meanwhile: theirs stands.
        if (!['EEXIST', 'ENOTEMPTY'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
      }
    } finally {
      await rm(draft, { recursive: true, force: true });
    }
  }
  if (seeded.includes('data')) {
    log(`no data folder: ${path.relative(process.cwd(), settings.dataDir) || '.'} now holds the demo sample (XQuAD-R ${bundle.articles} of 48 articles, NTREX-128 ${bundle.lines.toLocaleString('en')} of 1,997 lines in 11 languages; numbers from it are sample-sized). Full datasets: npm run data -- pull xquad-r ntrex128`);
  }
  if (seeded.includes('models')) log(`no models folder: ${path.relative(process.cwd(), settings.modelsDir) || '.'} now holds the XLM-R tokenizer from the demo bundle`);
  return seeded;
}
