// README's "Your own evaluation data" examples, as written: its example files are saved inside an
// import root, its importDataset mutations run verbatim on the `npm start` path, and the imported
// suites are evaluated and exported. A README example that stops working fails here.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, gql, startApp, waitFor } from './support/processes.js';
import { dataDir, repoRoot } from './support/platform.js';

const home = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-readme-formats-'));
after(() => fs.rm(home, { recursive: true, force: true }));

const section = (readme: string) => {
  const start = readme.indexOf('### Your own evaluation data');
  assert.ok(start >= 0, 'README has the section');
  const next = readme.indexOf('\n## ', start);
  return readme.slice(start, next < 0 ? undefined : next);
};

test('README\'s evaluation-data examples import, evaluate and export as documented', async () => {
  const text = section(await fs.readFile(path.join(repoRoot, 'README.md'), 'utf8'));
  const files = [...text.matchAll(/`(eval-example\/[\w.-]+)`:\n```\w*\n([\s\S]*?)```/g)].map((m) => [m[1]!, m[2]!] as const);
  assert.deepEqual(files.map(([name]) => name.split('/')[1]).sort(), [
    'corpus.jsonl', 'news.de.txt', 'news.en.txt', 'pairs.de.tsv', 'pairs.en.tsv', 'pairs.gold.tsv', 'qrels.tsv', 'queries.jsonl', 'squad-de.json', 'squad-en.json',
  ]);
  const roots = path.join(home, 'roots');
  await fs.mkdir(path.join(roots, 'eval-example'), { recursive: true });
  for (const [name, content] of files) await fs.writeFile(path.join(roots, name), content);
  const mutations = [...text.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((m) => m.includes('importDataset'));
  assert.equal(mutations.length, 4);

  const port = await freePort();
  const app = startApp('deploy/embedded.js', { PORT: String(port), XLING_HOME: path.join(home, 'xling'), DATA_DIR: dataDir, IMPORT_ROOTS: roots, DATABASE_URL: '', NATS_URL: '' });
  const url = `http://127.0.0.1:${port}/graphql`;
  try {
    await waitFor(`embedded platform\n${app.output()}`, () => app.output().includes(url));
    const names: string[] = [];
    for (const mutation of mutations) {
      const { data, errors } = await gql(url, mutation);
      assert.equal(errors, undefined, `${mutation}\n${JSON.stringify(errors)}`);
      names.push(data.importDataset.name);
    }
    assert.deepEqual(names, ['my-faq', 'my-census', 'my-news', 'my-pairs-bitext']);
    const { data } = await gql(url, '{ datasets { name kind groups importFormat } }');
    const listed = data.datasets.filter((d: { name: string }) => names.includes(d.name)).map((d: { name: string; kind: string; groups: number; importFormat: string }) => [d.name, d.kind, d.importFormat, d.groups]);
    assert.deepEqual(listed, [['my-census', 'RETRIEVAL', 'SQUAD', 1], ['my-faq', 'RETRIEVAL', 'BEIR', 2], ['my-news', 'BITEXT', 'LINE_PARALLEL', 3], ['my-pairs-bitext', 'BITEXT', 'ID_PAIRED', 2]]);

    const started = await gql(url, 'mutation($input: EvaluateInput!) { evaluate(input: $input) { id } }', { input: { baseline: 'RANDOM', datasets: names, bootstrap: 100 } });
    assert.equal(started.errors, undefined, JSON.stringify(started.errors));
    const jobId = started.data.evaluate.id as string;
    const job = await waitFor(`EVALUATE\n${app.output()}`, async () => {
      const { data: jobs } = await gql(url, '{ jobs(first: 10) { id status error } }');
      const found = jobs.jobs.find((j: { id: string }) => j.id === jobId);
      return ['SUCCEEDED', 'FAILED'].includes(found?.status) && found;
    });
    assert.equal(job.status, 'SUCCEEDED', job.error);
    const { data: reports } = await gql(url, 'query($f: EvaluationFilter) { evaluations(filter: $f) { suite dataset queries headlines { name estimate lo hi } } }', { f: { jobId } });
    const byName = new Map(reports.evaluations.map((r: { dataset: string }) => [r.dataset, r]));
    const summary = names.map((n) => {
      const r = byName.get(n) as { suite: string; queries: number; headlines: Array<{ name: string; estimate: number; lo: number; hi: number }> };
      for (const h of r.headlines) assert.ok(h.lo <= h.estimate && h.estimate <= h.hi, JSON.stringify(h));
      return [n, r.suite, r.queries, r.headlines.length > 0];
    });
    // The FAQ's two questions in two languages; the census question in both SQuAD files.
    assert.deepEqual(summary, [['my-faq', 'IMPORTED_RETRIEVAL', 4, true], ['my-census', 'IMPORTED_RETRIEVAL', 2, true], ['my-news', 'IMPORTED_BITEXT', 3, true], ['my-pairs-bitext', 'IMPORTED_BITEXT', 2, true]]);
    const exported = await gql(url, 'query($f: EvaluationFilter) { exportEvaluations(filter: $f) { path } }', { f: { jobId } });
    assert.deepEqual(exported.data.exportEvaluations.map((f: { path: string }) => f.path).sort(), ['evaluations.csv', ...names.map((n) => `xling__RANDOM/no_revision_available/${n}.json`)].sort());
  } finally {
    assert.equal(await app.kill('SIGTERM'), 0, `clean shutdown\n${app.output()}`);
  }
});
