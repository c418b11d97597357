import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HomeInUseError, LOCK_FILE, lockHome } from './home-lock.js';

const homes: string[] = [];
after(() => Promise.all(homes.map((home) => rm(home, { recursive: true, force: true }))));
async function newHome(): Promise<string> {
  const home = await mkdtemp(path.join(tmpdir(), 'xling-home-lock-'));
  homes.push(home);
  return home;
}

/** A process that runs until killed; its pid is alive, then dead once exited. */
async function otherProcess() {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { pid: child.pid!, stop: async () => (child.kill('SIGKILL'), await exited) };
}

test('the lock file holds this pid; released, it is gone and the home can be taken again', async () => {
  const home = await newHome();
  const lock = await lockHome(home);
  assert.equal(lock.file, path.join(home, LOCK_FILE));
  assert.equal((await readFile(lock.file, 'utf8')).trim(), String(process.pid));
  await lock.release();
  await lock.release(); // twice is harmless
  assert.deepEqual(await readdir(home), [], 'no pid file and no draft left behind');
  const again = await lockHome(home);
  await again.release();
});

test('a home whose pid file names a live process is refused with that pid, and the file is left alone', async () => {
  const home = await newHome();
  const other = await otherProcess();
  try {
    await writeFile(path.join(home, LOCK_FILE), `${other.pid}\n`);
    await assert.rejects(lockHome(home), (error: unknown) => {
      assert.ok(error instanceof HomeInUseError);
      assert.equal(error.pid, other.pid);
      assert.equal(error.message, `XLING_HOME ${home} is already in use by pid ${other.pid}`);
      return true;
    });
    assert.equal((await readFile(path.join(home, LOCK_FILE), 'utf8')).trim(), String(other.pid));
    assert.deepEqual(await readdir(home), [LOCK_FILE]);
  } finally {
    await other.stop();
  }
});

test('a pid file left by a process that no longer runs is taken over', async () => {
  const home = await newHome();
  const other = await otherProcess();
  await other.stop();
  await writeFile(path.join(home, LOCK_FILE), `${other.pid}\n`);
  const lock = await lockHome(home);
  assert.equal((await readFile(lock.file, 'utf8')).trim(), String(process.pid));
  await lock.release();
  assert.deepEqual(await readdir(home), []);
});

test('a damaged pid file is taken over', async () => {
  const home = await newHome();
  await writeFile(path.join(home, LOCK_FILE), '');
  const lock = await lockHome(home);
  assert.equal((await readFile(lock.file, 'utf8')).trim(), String(process.pid));
  await lock.release();
});

test('this process cannot take a home twice, but a file with its pid that it does not hold is stale', async () => {
  const home = await newHome();
  const lock = await lockHome(home);
  await assert.rejects(lockHome(home), HomeInUseError);
  await lock.release();
  // As left by an earlier process with the same pid (pid 1 on every container start).
  await writeFile(path.join(home, LOCK_FILE), `${process.pid}\n`);
  const taken = await lockHome(home);
  await taken.release();
  assert.deepEqual(await readdir(home), []);
});

test('the home folder is created; a path inside the working folder is shown relative to it', async () => {
  const home = path.join(await newHome(), 'nested', 'home');
  const lock = await lockHome(home);
  const cwd = process.cwd();
  process.chdir(path.dirname(home));
  try {
    const error = await lockHome(home).catch((e: unknown) => e);
    assert.ok(error instanceof HomeInUseError);
    assert.equal(error.message, `XLING_HOME home is already in use by pid ${process.pid}`);
  } finally {
    process.chdir(cwd);
    await lock.release();
  }
});
