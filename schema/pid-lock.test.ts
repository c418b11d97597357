import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { lockPidFile, PidLockHeldError } from './pid-lock.js';

test('callers racing in one process: exactly one takes the lock, the others are told this process holds it', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'xling-pid-lock-'));
  try {
    const file = path.join(dir, 'LOCK');
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => lockPidFile(file)));
    const taken = outcomes.filter((o) => o.status === 'fulfilled');
    assert.equal(taken.length, 1);
    for (const o of outcomes) {
      if (o.status === 'rejected') assert.ok(o.reason instanceof PidLockHeldError && o.reason.pid === process.pid && /this process/.test(o.reason.message), String(o.reason));
    }
    assert.equal(Number(await readFile(file, 'utf8')), process.pid);
    assert.deepEqual(await readdir(dir), ['LOCK'], 'no draft or stale file left');
    await taken[0]!.value.release();
    assert.deepEqual(await readdir(dir), []);
    const again = await lockPidFile(file);
    await again.release();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
