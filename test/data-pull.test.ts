// Pulling data files without the outside network: a local HTTP server on 127.0.0.1 serves fixture
// files as a DATA_MIRROR would, and misbehaves on request (drops the connection mid-transfer,
// serves wrong bytes, stalls, answers 404), so that resume, re-download, checksum failure, timeouts
// and concurrent pulls are checked against real sockets.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createPuller, PullError } from '../gpu-worker/data/pull.js';
import { fileState } from '../schema/data-files.js';
import type { ManifestFile } from '../schema/data-sources.js';

type Behaviour = 'normal' | 'drop-once' | 'drop-always' | 'corrupt' | 'corrupt-once' | 'stall-once' | 'missing' | 'no-range';

const files = new Map<string, Buffer>();
const behaviour = new Map<string, Behaviour>();
const requests: Array<{ file: string; range: string | undefined }> = [];
const served = new Map<string, number>();
let server: Server;
let base: string;
let dataDir: string;

function manifestFile(name: string, content: Buffer): ManifestFile {
  files.set(name, content);
  return { file: name, repo: 'example/data', path: name, commit: '0'.repeat(40), license: 'CC-BY-SA-4.0', size: content.length, sha256: createHash('sha256').update(content).digest('hex') };
}

before(async () => {
  server = createServer((req, res) => {
    const name = decodeURIComponent(req.url!.slice(1));
    const range = req.headers.range;
    requests.push({ file: name, range });
    const content = files.get(name);
    const mode = behaviour.get(name) ?? 'normal';
    const count = (served.get(name) ?? 0) + 1;
    served.set(name, count);
    if (!content || mode === 'missing') {
      res.writeHead(404).end();
      return;
    }
    const match = /^bytes=(\d+)-$/.exec(range ?? '');
    const start = match && mode !== 'no-range' ? Number(match[1]) : 0;
    let body = content.subarray(start);
    if (mode === 'corrupt' || (mode === 'corrupt-once' && count === 1)) body = Buffer.from(body.map((b) => b ^ 0xff));
    res.writeHead(start > 0 ? 206 : 200, { 'content-length': body.length, ...(start > 0 ? { 'content-range': `bytes ${start}-${content.length - 1}/${content.length}` } : {}) });
    if (mode === 'drop-once' && count === 1) {
      // Half the body, then the connection dies.
      res.write(body.subarray(0, body.length >> 1), () => res.destroy());
      return;
    }
    if (mode === 'drop-always') {
      // 1,000 bytes, time for the client to take them, then the connection dies.
      res.write(body.subarray(0, 1000), () => setTimeout(() => res.destroy(), 50));
      return;
    }
    if (mode === 'stall-once' && count === 1) {
      res.write(body.subarray(0, 10)); // then nothing: the client's idle timeout must fire
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function freshDataDir(): Promise<string> {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  dataDir = await mkdtemp(path.join(tmpdir(), 'xling-pull-'));
  return dataDir;
}

const puller = (extra: Partial<Parameters<typeof createPuller>[0]> = {}) => createPuller({ dataDir, mirror: base, backoffMs: 10, idleTimeoutMs: 2_000, ...extra });
const requestsFor = (name: string) => requests.filter((r) => r.file === name);

test('a file is downloaded, verified and placed; a second pull finds it present and fetches nothing', async () => {
  await freshDataDir();
  const f = manifestFile('set-a/one.txt', randomBytes(50_000));
  const progress: number[] = [];
  const first = await puller({ onProgress: (p) => progress.push(p.received) }).pull(f);
  assert.deepEqual(first, { file: f.file, outcome: 'downloaded', bytes: f.size });
  assert.deepEqual(await readFile(path.join(dataDir, f.file)), files.get(f.file));
  assert.equal(progress.at(-1), f.size, 'progress reaches the file size');
  assert.equal(await fileState(dataDir, f), 'present');
  assert.deepEqual(await puller().pull(f), { file: f.file, outcome: 'already', bytes: 0 });
  assert.equal(requestsFor(f.file).length, 1);
  assert.deepEqual((await readdir(path.join(dataDir, 'set-a'))).sort(), ['one.txt'], 'no .part or .lock left');
});

test('an interrupted transfer resumes with a range request from where it stopped', async () => {
  await freshDataDir();
  const f = manifestFile('set-a/drop.bin', randomBytes(400_000));
  behaviour.set(f.file, 'drop-once');
  const result = await puller().pull(f);
  assert.equal(result.outcome, 'downloaded');
  const [firstRequest, second] = requestsFor(f.file);
  assert.equal(firstRequest!.range, undefined);
  assert.match(second!.range ?? '', /^bytes=\d+-$/, 'the retry asks for the rest only');
  assert.ok(Number(/\d+/.exec(second!.range!)![0]) > 0);
  assert.ok(result.bytes < 2 * f.size, `${result.bytes} bytes fetched for ${f.size}: the first half was not fetched again`);
  assert.equal(await fileState(dataDir, f), 'present');
});

test('a corrupted file in the data folder is detected and fetched again; a bad transfer is retried', async () => {
  await freshDataDir();
  const f = manifestFile('set-b/c.txt', Buffer.from('the right content\n'.repeat(100)));
  await mkdir(path.join(dataDir, 'set-b'), { recursive: true });
  await writeFile(path.join(dataDir, f.file), 'the wrong content\n'.repeat(100));
  assert.equal(await fileState(dataDir, f), 'corrupted', 'same size, other bytes');
  behaviour.set(f.file, 'corrupt-once');
  const result = await puller().pull(f);
  assert.equal(result.outcome, 'downloaded');
  assert.equal(requestsFor(f.file).length, 2, 'the corrupted transfer was discarded and fetched again');
  assert.equal(await fileState(dataDir, f), 'present');
});

test('a checksum that never matches fails with the file named and leaves nothing half-written', async () => {
  await freshDataDir();
  const f = manifestFile('set-b/bad.txt', Buffer.from('x'.repeat(5000)));
  behaviour.set(f.file, 'corrupt');
  await assert.rejects(puller({ attempts: 3 }).pull(f), (error: unknown) => {
    assert.ok(error instanceof PullError);
    assert.match(error.message, /^set-b\/bad\.txt \(from http:\/\/127\.0\.0\.1:\d+\): sha256 does not match the manifest after 3 attempts; nothing was written$/);
    assert.equal(error.reason, 'sha256 does not match the manifest after 3 attempts; nothing was written', 'the reason names no address');
    return true;
  });
  assert.equal(requestsFor(f.file).length, 3);
  assert.deepEqual(await readdir(path.join(dataDir, 'set-b')), [], 'no file, no .part, no .lock');
});

test('transfers that keep failing give up as transient, keeping the partial file; the next pull resumes it', async () => {
  await freshDataDir();
  const f = manifestFile('set-b/flaky.bin', randomBytes(50_000));
  behaviour.set(f.file, 'drop-always');
  await assert.rejects(puller({ attempts: 2 }).pull(f), (error: unknown) => {
    assert.ok(error instanceof PullError && error.transient, String(error));
    assert.match(error.message, /after 2 attempts; the partial file is kept/);
    return true;
  });
  assert.deepEqual(await readdir(path.join(dataDir, 'set-b')), ['flaky.bin.part'], 'the partial file, no lock');
  const kept = (await stat(path.join(dataDir, 'set-b', 'flaky.bin.part'))).size;
  assert.ok(kept >= 1000, `${kept} bytes kept`);
  behaviour.set(f.file, 'normal');
  const result = await puller().pull(f);
  assert.equal(result.outcome, 'downloaded');
  assert.equal(requestsFor(f.file).at(-1)!.range, `bytes=${kept}-`, 'the next pull asks for the rest only');
  assert.equal(await fileState(dataDir, f), 'present');
});

test('a 404 fails at once, without retrying', async () => {
  await freshDataDir();
  const f = manifestFile('set-c/gone.txt', Buffer.from('gone'));
  behaviour.set(f.file, 'missing');
  await assert.rejects(puller().pull(f), /set-c\/gone\.txt \(http:\/\/127\.0\.0\.1:\d+\/set-c\/gone\.txt\): not found at its source \(HTTP 404\)/);
  assert.equal(requestsFor(f.file).length, 1);
  assert.equal(existsSync(path.join(dataDir, f.file)), false);
});

test('a server that stalls is abandoned after the idle timeout and the transfer resumes', async () => {
  await freshDataDir();
  const f = manifestFile('set-c/slow.bin', randomBytes(20_000));
  behaviour.set(f.file, 'stall-once');
  const result = await puller({ idleTimeoutMs: 300 }).pull(f);
  assert.equal(result.outcome, 'downloaded');
  const [, second] = requestsFor(f.file);
  assert.equal(second!.range, 'bytes=10-', 'the 10 bytes received before the stall are kept');
  assert.equal(await fileState(dataDir, f), 'present');
});

test('a server that ignores ranges sends the whole file, which replaces the partial one', async () => {
  await freshDataDir();
  const f = manifestFile('set-d/norange.bin', randomBytes(30_000));
  await mkdir(path.join(dataDir, 'set-d'), { recursive: true });
  await writeFile(path.join(dataDir, `${f.file}.part`), files.get(f.file)!.subarray(0, 1000));
  behaviour.set(f.file, 'no-range');
  assert.equal((await puller().pull(f)).outcome, 'downloaded');
  assert.equal(await fileState(dataDir, f), 'present');
});

test('concurrent pulls of one file download it once, in one puller or two', async () => {
  await freshDataDir();
  const f = manifestFile('set-e/shared.bin', randomBytes(200_000));
  const one = puller();
  const results = await Promise.all([one.pull(f), one.pull(f), puller().pull(f), puller().pull(f)]);
  assert.equal(requestsFor(f.file).length, 1, 'one request for four pulls');
  // The two callers of one puller share its outcome; of the three pullers, whichever took the lock
  // first downloaded, and the others waited for it and found the file.
  const [first, sameCaller, ...others] = results.map((r) => r.outcome);
  assert.equal(first, sameCaller);
  assert.deepEqual([first, ...others].filter((o) => o === 'downloaded'), ['downloaded'], JSON.stringify(results));
  assert.equal(await fileState(dataDir, f), 'present');
});

test('a mirror folder serves as the HTTP mirror does', async () => {
  await freshDataDir();
  const mirror = await mkdtemp(path.join(tmpdir(), 'xling-mirror-'));
  try {
    const f = manifestFile('set-f/local.txt', Buffer.from('from the folder\n'));
    await mkdir(path.join(mirror, 'set-f'), { recursive: true });
    await writeFile(path.join(mirror, f.file), files.get(f.file)!);
    assert.equal((await createPuller({ dataDir, mirror }).pull(f)).outcome, 'downloaded');
    assert.equal(await fileState(dataDir, f), 'present');
    const absent = manifestFile('set-f/absent.txt', Buffer.from('x'));
    await assert.rejects(createPuller({ dataDir, mirror }).pull(absent), /set-f\/absent\.txt \(.*absent\.txt\): not in the mirror folder/);
  } finally {
    await rm(mirror, { recursive: true, force: true });
  }
});
