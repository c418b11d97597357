import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PrismaClient } from '../../prisma/generated/client.js';
import { JobError } from '../../schema/jobs.js';
import { createDataCache } from '../data/index.js';
import { loadTrainingSources } from './train-data.js';

const failsWith = (pattern: RegExp) => (err: unknown) => err instanceof JobError && !err.retryable && pattern.test(err.message);

async function withDataDir(files: Record<string, string>, run: (dir: string) => Promise<void>) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-train-data-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await fs.writeFile(path.join(dir, name), content);
    }
    await run(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const FILES = {
  'muse/en-de.txt': 'house\tHaus\ndog\tHund\n',
  'muse/en-el.txt': 'house\tσπίτι\n',
  'ntrex128/newstest2019-src.eng.txt': 'One.\nTwo.\n',
  'ntrex128/newstest2019-ref.deu.txt': 'Eins.\nZwei.\n',
};

test('several datasets: each contributes the run languages it holds; every language must be covered', () =>
  withDataDir(FILES, async (dir) => {
    const deps = { prisma: {} as PrismaClient, dataDir: dir, cache: createDataCache() };
    const sources = await loadTrainingSources(deps, { trainDatasets: ['ntrex128', 'muse'], languages: ['en', 'de', 'el'] });
    assert.deepEqual(sources.map((s) => [s.name, s.languages]), [
      ['ntrex128', ['en', 'de']],
      ['muse', ['en', 'de', 'el']],
    ]);
    assert.deepEqual([...sources[1]!.groups.find((g) => g.id === 'house')!.items.keys()].sort(), ['de', 'el', 'en']);
    await assert.rejects(loadTrainingSources(deps, { trainDatasets: ['ntrex128', 'muse'], languages: ['en', 'ru'] }), failsWith(/no dataset of ntrex128, muse has ru data/));
    // A dataset holding none of the run languages is an error, not silently empty.
    await assert.rejects(loadTrainingSources(deps, { trainDatasets: ['ntrex128', 'muse'], languages: ['el'] }), failsWith(/dataset ntrex128 has no el data/));
  }));

test('one dataset must still hold every run language', () =>
  withDataDir(FILES, async (dir) => {
    const deps = { prisma: {} as PrismaClient, dataDir: dir, cache: createDataCache() };
    await assert.rejects(loadTrainingSources(deps, { trainDatasets: ['ntrex128'], languages: ['en', 'de', 'el'] }), failsWith(/dataset ntrex128 has no el data/));
  }));
