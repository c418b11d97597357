// `npm run data` end to end against a mirror on 127.0.0.1 that serves the shared data folder's
// files: pull puts verified files in place (licenses shown first, non-commercial ones flagged),
// verify finds a corrupted file, a second pull repairs it and fetches nothing else.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

const sharedData = path.resolve('..', 'shared', 'data');
let server: Server;
let mirror: string;
let dataDir: string;
const requested: string[] = [];

before(async () => {
  assert.ok(existsSync(path.join(sharedData, 'xquad-r', 'en.json')), `the mirror serves ${sharedData}`);
  server = createServer((req, res) => {
    const file = path.join(sharedData, decodeURIComponent(req.url!.slice(1)));
    requested.push(req.url!);
    if (!file.startsWith(sharedData + path.sep) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dataDir = await mkdtemp(path.join(tmpdir(), 'xling-data-'));
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dataDir, { recursive: true, force: true });
});

/** The command in a child process (asynchronously: the mirror answers from this one). */
const data = (...args: string[]) =>
  new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['dist/deploy/data.js', ...args], { env: { ...process.env, DATA_DIR: dataDir, DATA_MIRROR: mirror } }, (error, stdout, stderr) =>
      resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });

test('pull xquad-r mlqa-r from a mirror, verify, repair a corrupted file', { timeout: 120_000 }, async () => {
  const pulled = await data('pull', 'xquad-r', 'mlqa-r');
  assert.equal(pulled.status, 0, pulled.stderr);
  assert.match(pulled.stdout, /xquad-r: license CC-BY-SA-4\.0\n/);
  assert.match(pulled.stdout, /mlqa-r: license CC-BY-NC-4\.0.*NON-COMMERCIAL/);
  assert.equal(requested.length, 20, 'the 12 + 8 files, once each');

  const verified = await data('verify', 'xquad-r', 'mlqa-r');
  assert.equal(verified.status, 0, verified.stdout);
  assert.match(verified.stdout, /every file matches the manifest/);
  await writeFile(path.join(dataDir, 'xquad-r', 'de.json'), '{"data": []}');
  const broken = await data('verify', 'xquad-r');
  assert.equal(broken.status, 1);
  assert.match(broken.stdout, /xquad-r: xquad-r\/de\.json corrupted/);
  const before = requested.length;
  const repaired = await data('pull', 'xquad-r');
  assert.equal(repaired.status, 0, repaired.stderr);
  assert.deepEqual(requested.slice(before), ['/xquad-r/de.json'], 'only the corrupted file is fetched again');
  assert.equal((await data('verify', 'xquad-r')).status, 0);
  const unknown = await data('pull', 'muse');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /"muse" has no recorded source/);
});
