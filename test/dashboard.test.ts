// The web dashboard in a real browser (headless Chromium) against the `npm start` platform:
// a run started through the API shows its loss curve growing live, Stop cancels it, an
// evaluation's heatmap opens, the search playground answers in several languages, the compare and
// jobs pages render, and no page logs an error or loads anything from outside. With keys on, the
// dashboard asks for one. DASHBOARD_SCREENSHOTS=<folder> saves the main pages there (docs/ has them).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createApiKey } from '../api/auth/api-keys.js';
import { startTestGateway } from '../api/testing.js';
import { freePort, gql, startApp, waitFor } from './support/processes.js';
import { START_RUN, dataDir, repoRoot, smallRun } from './support/platform.js';
import { launchBrowser, watchErrors } from './support/browser.js';

const home = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-dashboard-'));
const screenshots = process.env.DASHBOARD_SCREENSHOTS;
let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await fs.rm(home, { recursive: true, force: true });
});

async function shot(page: Page, name: string): Promise<void> {
  if (!screenshots) return;
  await fs.mkdir(screenshots, { recursive: true });
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: false });
}

const points = async (page: Page, title: string) => Number(await page.locator(`.chart[aria-label^="${title}:"]`).first().getAttribute('data-points'));

test('the dashboard follows a run live, stops it, shows heatmaps and searches, without console errors', async () => {
  const port = await freePort();
  const app = startApp('deploy/embedded.js', { PORT: String(port), XLING_HOME: home, DATA_DIR: dataDir, DATABASE_URL: '', NATS_URL: '' });
  const base = `http://127.0.0.1:${port}`;
  const url = `${base}/graphql`;
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors = watchErrors(page);
  try {
    await waitFor(`embedded platform\n${app.output()}`, () => app.output().includes(`Dashboard: ${base}/`));

    // A finished run indexed as a collection, and a baseline evaluation, for the later pages.
    const small = await gql(url, START_RUN, { input: smallRun({ trainDatasets: ['mlqa-r'], languages: ['en', 'de', 'es'], steps: 30 }) });
    const smallId = small.data.startTrainingRun.id as string;
    const finished = await waitFor('small run', async () => {
      const { data } = await gql(url, 'query($id: ID!) { run(id: $id) { status checkpoints { id } } }', { id: smallId });
      return data.run.status === 'SUCCEEDED' && data.run;
    });
    const indexed = await gql(url, 'mutation($input: IndexCorpusInput!) { indexCorpus(input: $input) { id } }', { input: { checkpointId: finished.checkpoints.at(-1).id, dataset: 'xquad-r', languages: ['en', 'de', 'es'] } });
    assert.equal(indexed.errors, undefined, JSON.stringify(indexed.errors));
    const evaluated = await gql(url, 'mutation { evaluate(input: { baseline: DICT_BM25, suites: [XQUAD_R], bootstrap: 100, queriesPerLanguage: 30 }) { id } }');
    assert.equal(evaluated.errors, undefined, JSON.stringify(evaluated.errors));

    // A long run, started through the API, followed on its page.
    const started = await gql(url, START_RUN, { input: smallRun({ trainDatasets: ['mlqa-r'], languages: ['en', 'de', 'es'], steps: 100_000, logEvery: 5 }) });
    const runId = started.data.startTrainingRun.id as string;
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: /^Runs/ }).waitFor();
    await page.getByRole('link', { name: runId.slice(0, 8) }).click();
    await page.getByRole('heading', { name: `Run ${runId.slice(0, 8)}` }).waitFor();
    await waitFor('loss points', async () => (await points(page, 'Loss')) > 0);
    const first = await points(page, 'Loss');
    await waitFor('the loss curve grows live', async () => (await points(page, 'Loss')) > first + 2);
    assert.ok(await page.locator('.status', { hasText: 'RUNNING' }).first().isVisible());
    await page.locator('.bars li').first().waitFor();
    await shot(page, 'run');

    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Stop the run' }).click();
    await page.locator('.facts .status', { hasText: 'CANCELLED' }).waitFor({ timeout: 60_000 });
    const { data: cancelled } = await gql(url, 'query($id: ID!) { run(id: $id) { status } }', { id: runId });
    assert.equal(cancelled.run.status, 'CANCELLED');

    await page.goto(`${base}/#/runs`);
    await page.locator('table.list tbody tr').nth(1).waitFor();
    assert.equal(await page.locator('table.list tbody tr').count(), 2);
    await shot(page, 'runs');
    // A sweep, trained while the next pages are checked and followed live on the experiments page at the end.
    const sweep = await gql(url, 'mutation($input: StartSweepInput!) { startSweep(input: $input) { id } }', {
      input: {
        name: 'dashboard sweep', maxParallel: 2, bootstrap: 100, queriesPerLanguage: 20, metric: { suite: 'XQUAD_R' },
        base: smallRun({ trainDatasets: ['mlqa-r'], languages: ['en', 'de', 'es'], steps: 20 }), grid: { alpha: [0.25, 0.75], seed: [1, 2] },
      },
    });
    assert.equal(sweep.errors, undefined, JSON.stringify(sweep.errors));
    // Compare: tick both runs, press Compare.
    for (const checkbox of await page.getByRole('checkbox').all()) await checkbox.check();
    await page.getByRole('link', { name: /^Compare 2/ }).click();
    await page.getByRole('heading', { name: /^Compare / }).waitFor();
    await waitFor('compare curves', async () => (await points(page, 'Loss')) > 0);

    // The evaluation: headlines with intervals and the 11 x 11 mAP heatmap.
    await waitFor(`evaluation\n${app.output()}`, async () => (await gql(url, '{ evaluations { id } }')).data.evaluations.length === 1 || undefined, 120_000);
    await page.goto(`${base}/#/evaluations`);
    await page.getByRole('link', { name: 'open' }).first().click();
    const heatmap = page.locator('figure.heatmap').first();
    await heatmap.waitFor();
    assert.equal(await heatmap.locator('tbody tr').count(), 11);
    assert.equal(await heatmap.locator('tbody tr').first().locator('td').count(), 11);
    assert.match(await page.locator('.interval').first().innerText(), /^\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]$/);
    await shot(page, 'evaluation');

    // The search playground: a German question, three modes side by side, hits in several languages.
    await waitFor(`collection\n${app.output()}`, async () => (await gql(url, '{ collections { name } }')).data.collections.length === 1 || undefined, 120_000);
    await page.goto(`${base}/#/search`);
    await page.locator('table.list tbody tr').first().waitFor();
    await page.getByLabel('Query').fill('Wer gewann den Super Bowl 50?');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('[data-mode="HYBRID"] li').first().waitFor();
    assert.equal(await page.getByTestId('query-language').innerText(), 'de');
    assert.deepEqual(await page.locator('.hits h3').allInnerTexts(), ['DENSE', 'LEXICAL', 'HYBRID']);
    await page.getByLabel('k', { exact: true }).fill('20');
    await page.getByRole('button', { name: 'Search' }).click();
    await waitFor('20 hits', async () => (await page.locator('[data-mode="HYBRID"] li').count()) === 20 || undefined);
    const languages = new Set(await page.locator('[data-mode="HYBRID"] .lang').allInnerTexts());
    assert.ok(languages.size >= 2, `hits in ${[...languages].join(', ')}`);
    await shot(page, 'search');

    await page.goto(`${base}/#/jobs`);
    await page.locator('table.list').nth(1).locator('tbody tr').first().waitFor();
    await page.locator('table.list').first().locator('tbody tr').first().waitFor();
    assert.match(await page.locator('table.list').first().innerText(), /native-cpu|wasm|cpu/);
    await shot(page, 'jobs');

    // The sweep: its trials live, then ranked with intervals once every trial is evaluated.
    await page.goto(`${base}/#/experiments`);
    const card = page.locator('article.card', { hasText: 'dashboard sweep' });
    // One sweep is read per request: its trials load when opened.
    await card.locator('summary', { hasText: 'Trials' }).click();
    await card.locator('table.sweep-trials tbody tr').nth(3).waitFor();
    await card.locator('.ranking-chart[data-trials="4"]').waitFor({ timeout: 180_000 });
    assert.deepEqual(await card.locator('table.sweep-trials tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state'))), ['DONE', 'DONE', 'DONE', 'DONE']);
    assert.match(await card.locator('table.sweep-trials tbody tr').first().innerText(), /alpha=0\.25 seed=1/);
    assert.match(await card.locator('.sweep-counts').innerText(), /4 done/);
    await shot(page, 'sweep');

    // Keyboard: the navigation is reachable with Tab and follows Enter.
    await page.goto(`${base}/#/runs`);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/runs$/);
    assert.deepEqual(errors, []);
  } catch (error) {
    await page.screenshot({ path: path.join(os.tmpdir(), 'xling-dashboard-failure.png') }).catch(() => undefined);
    throw error;
  } finally {
    await page.close();
    assert.equal(await app.kill('SIGTERM'), 0, `clean shutdown\n${app.output()}`);
  }
});

test('with API keys on, the dashboard asks for a key and keeps it for the session', async () => {
  const gw = await startTestGateway({ securityEnv: { AUTH: 'on' } });
  const page = await browser.newPage();
  const errors = watchErrors(page);
  try {
    const { secret } = await createApiKey(gw.db.prisma, 'dash-reader', 'reader');
    const base = gw.url.replace(/\/graphql$/, '');
    await page.goto(`${base}/`);
    await page.locator('.who .error', { hasText: 'an API key is required' }).waitFor();
    await page.getByLabel('API key').fill(secret);
    await page.getByRole('button', { name: 'Use' }).click();
    await page.locator('.who', { hasText: 'dash-reader · reader' }).waitFor();
    await page.reload();
    await page.locator('.who', { hasText: 'dash-reader · reader' }).waitFor();
    // An experiment's report with its figures (the committed paper-cpu report).
    const reportPath = path.join(repoRoot, 'bench', 'reports', 'paper-cpu-2026-12-05');
    const figureCount = (await fs.readdir(path.join(reportPath, 'figures'))).filter((f) => f.endsWith('.svg')).length;
    await gw.db.prisma.experiment.create({ data: { name: 'paper-cpu', preset: 'paper-cpu', status: 'SUCCEEDED', reportPath } });
    await page.getByRole('link', { name: 'Experiments' }).click();
    await page.getByRole('button', { name: 'Show figures' }).click();
    await page.locator('.figures img').first().waitFor();
    assert.equal(await page.locator('.figures img').count(), figureCount);
    const listed = await gw.request('{ experiments { figures { name } } }', undefined, secret);
    assert.equal(listed.errors?.[0]?.extensions?.field, 'figures', 'figures over the whole list are refused');
    assert.ok(await page.locator('.figures img').first().evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'the SVG renders');
    await page.getByText('Report', { exact: true }).click();
    assert.match(await page.locator('pre.report').innerText(), /HYBRID/);
    await page.locator('pre.report').evaluate((el) => el.parentElement?.removeAttribute('open'));
    await shot(page, 'experiments');
    // A GPU-class run with no GPU worker (this gateway has no worker at all) says why it waits.
    const waiting = await gw.db.prisma.run.create({
      data: {
        strategy: 'HYBRID', alpha: 0.5, model: { family: 'PRETRAINED' }, trainDatasets: ['mlqa-r'], languages: ['en', 'de'], seed: 1, hyperParameters: { steps: 10 },
        jobs: { create: { kind: 'TRAIN', idempotencyKey: 'dash-waiting', requirements: { workerClass: 'gpu', reason: 'a PRETRAINED model of 278 M parameters trains on a GPU worker' } } },
      },
    });
    await page.goto(`${base}/#/runs/${waiting.id}`);
    assert.match(await page.locator('.waiting').innerText(), /^Waiting for a worker: no live GPU worker: a PRETRAINED model of 278 M parameters/);
    // The page and its assets carry a policy that allows this origin only.
    const response = await page.request.get(`${base}/`);
    assert.match(response.headers()['content-security-policy'] ?? '', /default-src 'self'/);
    // Failed requests (the 401s before the key) are the only console errors allowed.
    assert.deepEqual(errors.filter((e) => !/401|Unauthorized/.test(e)), []);
  } finally {
    await page.close();
    await gw.close();
  }
});
