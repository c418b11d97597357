// The study's reproduction through the platform: `npm run experiment -- --preset smoke` as a user
// runs it (embedded platform in the CLI's process), then the report it wrote; and the input
// errors of startExperiment, which write nothing.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestGateway, type TestGateway } from '../api/testing.js';
import { dataDir, repoRoot } from './support/platform.js';
import { startApp } from './support/processes.js';

let home: string;
before(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-experiment-'));
});
after(async () => {
  await fs.rm(home, { recursive: true, force: true });
});

interface ReportData {
  experiment: { preset: string; seeds: number[] };
  protocols: Array<{
    suite: string;
    arms: Array<{ label: string; runs: Array<{ seed: number; headlines: Record<string, { estimate: number; lo: number; hi: number }> }>; pooled: Record<string, { estimate: number; lo: number; hi: number }>; hybrid: Array<{ seed: number; headlines: Record<string, { estimate: number }> }> }>;
    baselines: Array<{ baseline: string; headlines: Record<string, { estimate: number }> }>;
    paired: Array<{ a: string; b: string; headline: string; test: { difference: { estimate: number; lo: number; hi: number }; pValue: number } }>;
  }>;
  alignment: Array<{ label: string; runs: Array<{ summary: { meanTranslationAccuracy: number } }> }>;
  failures: unknown[];
}

test('the smoke preset runs every job through the platform and writes the report with its figures', { timeout: 600_000 }, async () => {
  const reportsDir = path.join(home, 'reports');
  const cli = startApp('deploy/experiment.js', {
    XLING_HOME: path.join(home, 'platform'),
    REPORTS_DIR: reportsDir,
    DATA_DIR: dataDir,
    MODELS_DIR: path.join(repoRoot, '..', 'shared', 'models'),
    PORT: '0',
    NODE_ENV: 'production',
  }, ['--preset', 'smoke']);
  const code = await cli.exited;
  assert.equal(code, 0, cli.output().slice(-3000));
  const output = cli.output();
  assert.match(output, /jobs \[#{24}\] 100% \d+\/\d+ done/, 'the jobs bar reached 100%');
  const reportFile = /report: (.+report\.md)/.exec(output)?.[1];
  assert.ok(reportFile, output.slice(-2000));
  assert.ok(reportFile.startsWith(reportsDir));

  const markdown = await fs.readFile(reportFile, 'utf8');
  for (const heading of ['Claims', 'XQuAD-R', 'MLQA-R', 'BM25', 'XNLI']) assert.ok(markdown.includes(heading), `report mentions ${heading}`);
  const figures = [...markdown.matchAll(/\]\((figures\/[^)]+\.svg)\)/g)].map((m) => m[1]!);
  assert.ok(figures.length >= 4, `figures linked: ${figures.join(', ')}`);
  for (const figure of figures) {
    const svg = await fs.readFile(path.join(path.dirname(reportFile), figure), 'utf8');
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s\S]*<\/svg>\s*$/, figure);
  }

  const data = JSON.parse(await fs.readFile(path.join(path.dirname(reportFile), 'data.json'), 'utf8')) as ReportData;
  assert.equal(data.experiment.preset, 'smoke');
  assert.deepEqual(data.failures, []);
  assert.deepEqual(data.protocols.map((p) => p.suite), ['XQUAD_R', 'MLQA_R']);
  for (const protocol of data.protocols) {
    assert.deepEqual(protocol.arms.map((a) => a.label), ['MONO', 'CROSS', 'HYBRID(0.5)']);
    for (const arm of protocol.arms) {
      assert.equal(arm.runs.length, data.experiment.seeds.length, `${protocol.suite} ${arm.label}: every seed evaluated`);
      for (const key of ['mono.map', 'cross.map', 'multi.map']) {
        const { estimate, lo, hi } = arm.pooled[key]!;
        assert.ok(lo <= estimate && estimate <= hi && estimate > 0 && estimate <= 1, `${arm.label} ${key} ${JSON.stringify(arm.pooled[key])}`);
      }
      assert.ok(arm.pooled['multi.rankDistance']!.estimate > 0);
    }
    assert.deepEqual(protocol.baselines.map((b) => b.baseline), ['BM25', 'DICT_BM25', 'RANDOM']);
    for (const arm of protocol.arms) {
      // The plan's first seed, searched as users get it, on the smoke plan's question subset.
      assert.deepEqual(arm.hybrid.map((h) => h.seed), [data.experiment.seeds[0]], `${protocol.suite} ${arm.label}: HYBRID of the first seed`);
      const { estimate } = arm.hybrid[0]!.headlines['mono.map']!;
      assert.ok(estimate > 0 && estimate <= 1, `${arm.label} HYBRID mono.map ${estimate}`);
    }
    const pairs = new Set(protocol.paired.map((p) => `${p.a}-${p.b}:${p.headline}`));
    for (const pair of ['HYBRID(0.5)-MONO:mono.map', 'HYBRID(0.5)-CROSS:cross.map', 'CROSS-MONO:multi.rankDistance']) assert.ok(pairs.has(pair), pair);
    for (const p of protocol.paired) assert.ok(p.test.pValue > 0 && p.test.pValue <= 1 && p.test.difference.lo <= p.test.difference.hi);
  }
  assert.deepEqual(data.alignment.map((a) => [a.label, a.runs.length]), [['MONO', 1], ['CROSS', 1], ['HYBRID(0.5)', 1], ['RANDOM (untrained)', 1]], 'XNLI alignment of every arm of the first protocol, and of the untrained encoder');
  assert.match(markdown, /\| RANDOM \(untrained\) \|/);
});

test('startExperiment refuses bad input by field and writes nothing', async () => {
  let gateway: TestGateway | undefined;
  try {
    gateway = await startTestGateway();
    const start = (input: Record<string, unknown>) => gateway!.request('mutation($input: StartExperimentInput!) { startExperiment(input: $input) { id } }', { input });
    for (const [input, field] of [
      [{ preset: 'SMOKE', seeds: [1, 1] }, 'input.seeds[1]'],
      [{ preset: 'SMOKE', seeds: [] }, 'input.seeds'],
      [{ preset: 'QUICK', steps: 0 }, 'input.steps'],
      [{ preset: 'SMOKE', name: '  ' }, 'input.name'],
      [{ preset: 'LARGE' }, 'input.preset'],
    ] as const) {
      const response = await start(input);
      assert.equal(response.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(response));
      assert.equal(response.errors?.[0]?.extensions?.field, field, JSON.stringify(response.errors));
    }
    // The test gateway's data folder has no XQuAD-R: the preset cannot run there, and says why.
    const missing = await start({ preset: 'SMOKE' });
    assert.equal(missing.errors?.[0]?.extensions?.field, 'input.preset');
    assert.match(missing.errors![0]!.message, /cannot run here/);
    assert.equal(await gateway.db.prisma.experiment.count(), 0);
    assert.equal(await gateway.db.prisma.job.count(), 0);
  } finally {
    await gateway?.close();
  }
});
