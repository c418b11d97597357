// The dashboard's first load and a 10,000-step run's live curves, in headless Chromium on loopback.
//   npm run build && node dist/bench/dashboard-load.js [--loads 20] [--steps 10000]
// First load: a fresh browser context per load (cold cache), from navigation start to the runs
// table rendered with its data (and to the load event). The long run: a finished run with `steps`
// logged points (loss, learning rate, pairs/s) written to the database, its page opened, and the
// time until every point is replayed over graphql-ws and drawn, with the main thread's long tasks
// (> 50 ms, what makes a page stutter) during that time. Bundle sizes are read from dist/dashboard.

import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DASHBOARD_DIR } from '../api/dashboard/serve.js';
import { startTestGateway } from '../api/testing.js';
import { launchBrowser } from '../test/support/browser.js';
import { argument, median } from './cli.js';

const loads = Number(argument('loads') ?? 20);
const steps = Number(argument('steps') ?? 10_000);
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

const assets = fs.readdirSync(path.join(DASHBOARD_DIR, 'assets')).map((name) => {
  const bytes = fs.readFileSync(path.join(DASHBOARD_DIR, 'assets', name));
  return { name, raw: bytes.length, gzip: gzipSync(bytes).length };
});
for (const a of assets) console.log(`asset ${a.name}: ${(a.raw / 1024).toFixed(1)} KiB, ${(a.gzip / 1024).toFixed(1)} KiB gzip`);

const gw = await startTestGateway();
const browser = await launchBrowser();
try {
  const base = gw.url.replace(/\/graphql$/, '');
  const run = await gw.db.prisma.run.create({
    data: {
      strategy: 'HYBRID', alpha: 0.5, model: {}, trainDatasets: ['mlqa-r'], languages: ['en', 'de'], seed: 1, status: 'SUCCEEDED',
      hyperParameters: { steps, batchSize: 32, logEvery: 1 }, startedAt: new Date(Date.now() - 3_600_000), finishedAt: new Date(),
    },
  });
  const points = Array.from({ length: steps }, (_, i) => i + 1).flatMap((step) => [
    { runId: run.id, step, name: 'loss', value: 4 / Math.sqrt(step) + 0.05 * Math.sin(step) },
    { runId: run.id, step, name: 'learning_rate', value: 1e-3 * Math.min(1, step / 100) },
    { runId: run.id, step, name: 'pairs_per_second', value: 3000 + 200 * Math.cos(step / 7) },
  ]);
  for (let i = 0; i < points.length; i += 10_000) await gw.db.prisma.metricPoint.createMany({ data: points.slice(i, i + 10_000) });

  const ready: number[] = [];
  const loaded: number[] = [];
  for (let i = 0; i < loads; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.locator('table.list tbody tr').first().waitFor();
    ready.push(await page.evaluate(() => performance.now()));
    loaded.push(await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd));
    await context.close();
  }
  console.log(`first load (${loads} cold loads): runs table rendered median ${median(ready).toFixed(0)} ms, p95 ${percentile(ready, 95).toFixed(0)} ms; load event median ${median(loaded).toFixed(0)} ms`);

  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`${base}/`);
  await page.evaluate(() => {
    const w = window as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => w.longTasks.push(e.duration))).observe({ type: 'longtask', buffered: false });
  });
  const t0 = Date.now();
  await page.evaluate((id) => (location.hash = `#/runs/${id}`), run.id);
  await page.waitForFunction((n) => Number(document.querySelector('.chart[aria-label^="Loss:"]')?.getAttribute('data-points')) >= n, steps, { timeout: 300_000, polling: 100 });
  const replay = Date.now() - t0;
  const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
  console.log(
    `${steps}-step run: every point replayed and drawn in ${replay} ms; long tasks ${longTasks.length} (longest ${Math.max(0, ...longTasks).toFixed(0)} ms, total ${longTasks.reduce((a, b) => a + b, 0).toFixed(0)} ms); drawn points per series at most 1,500 (decimated)`,
  );
} finally {
  await browser.close();
  await gw.close();
}
