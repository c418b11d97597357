import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphQLError } from 'graphql';
import { decodeCursor, encodeCursor, pageSize } from './pagination.js';

test('cursors round-trip a position', () => {
  const position = { createdAt: new Date('2026-01-02T03:04:05.678Z'), id: 'abc' };
  assert.deepEqual(decodeCursor(encodeCursor(position)), position);
});

test('malformed cursors and page sizes are BAD_USER_INPUT naming the argument', () => {
  for (const cursor of ['', 'xyz', Buffer.from('[1,2]').toString('base64url'), Buffer.from('["not a date","id"]').toString('base64url')]) {
    assert.throws(() => decodeCursor(cursor), (e: unknown) => e instanceof GraphQLError && e.extensions.field === 'after' && e.extensions.value === cursor);
  }
  assert.equal(pageSize(undefined), 20);
  assert.equal(pageSize(100), 100);
  for (const bad of [0, 101, 2.5, -1]) {
    assert.throws(() => pageSize(bad), (e: unknown) => e instanceof GraphQLError && e.extensions.field === 'first' && e.extensions.value === bad);
  }
});
