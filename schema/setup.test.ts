import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unsupportedSetup } from './setup.js';

const nats = { kind: 'nats', servers: 'nats://127.0.0.1:4222', prefix: 'xling' } as const;

test('distributed mode without QDRANT_URL is refused, naming what is missing and both ways out', () => {
  const problem = unsupportedSetup({ bus: nats });
  assert.ok(problem);
  assert.doesNotMatch(problem, /\n/, 'one line');
  assert.match(problem, /NATS_URL is set/);
  assert.match(problem, /QDRANT_URL is not/);
  assert.match(problem, /Set QDRANT_URL/);
  assert.match(problem, /`npm start`/);
});

test('distributed mode with QDRANT_URL, and the in-process bus with or without it, are accepted', () => {
  assert.equal(unsupportedSetup({ bus: nats, qdrantUrl: 'http://qdrant:6333' }), undefined);
  assert.equal(unsupportedSetup({ bus: { kind: 'memory' } }), undefined);
  assert.equal(unsupportedSetup({ bus: { kind: 'memory' }, qdrantUrl: 'http://qdrant:6333' }), undefined);
});
