import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { defaultSharedDir } from './config.js';

test('default folders: ./data when it exists, else ../shared/data when that exists, else ./data (where pulls go)', () => {
  const cwd = '/srv/xling';
  const local = path.resolve(cwd, 'data');
  const shared = path.resolve(cwd, '..', 'shared', 'data');
  const having = (...present: string[]) => (p: string) => present.includes(p);
  assert.equal(defaultSharedDir('data', cwd, having(local, shared)), local);
  assert.equal(defaultSharedDir('data', cwd, having(shared)), shared);
  assert.equal(defaultSharedDir('data', cwd, having()), local, 'a machine with only the clone');
});
