import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { LineReadError, readLines } from './lines.js';

const chunks = (...parts: Array<string | number[]>) =>
  (async function* () {
    for (const part of parts) yield typeof part === 'string' ? Buffer.from(part) : Uint8Array.from(part);
  })();

async function collect(source: AsyncIterable<Uint8Array>, maxBytes = 1000, maxLineChars = 100) {
  const lines: Array<[number, string]> = [];
  const result = await readLines(source, { maxBytes, maxLineChars }, (text, n) => lines.push([n, text]));
  return { lines, ...result };
}

test('lines split across chunks, CRLF, a BOM, multi-byte characters cut between chunks and the last line without a break', async () => {
  const euro = [...Buffer.from('€')];
  const { lines, bytes, sha256 } = await collect(chunks('\uFEFFab', 'c\r\nd', [...euro.slice(0, 1)], [...euro.slice(1), 0x0a], '\nlast'));
  assert.deepEqual(lines, [[1, 'abc'], [2, 'd€'], [3, ''], [4, 'last']]);
  const whole = Buffer.concat([Buffer.from('\uFEFFabc\r\nd'), Buffer.from('€\n\nlast')]);
  assert.equal(bytes, whole.byteLength);
  assert.equal(sha256, createHash('sha256').update(whole).digest('hex'));
});

test('a file ending with a break has an empty last line', async () => {
  assert.deepEqual((await collect(chunks('a\n'))).lines, [[1, 'a'], [2, '']]);
});

test('the byte cap is checked while reading, not from a size given beforehand', async () => {
  const endless = (async function* () {
    for (;;) yield Buffer.from('x\n'.repeat(50));
  })();
  await assert.rejects(collect(endless, 1000), (e: unknown) => e instanceof LineReadError && e.problem.kind === 'too-large');
});

test('invalid UTF-8 and overlong lines stop the read', async () => {
  await assert.rejects(collect(chunks('a\n', [0x7b, 0xe9, 0x7d])), (e: unknown) => e instanceof LineReadError && e.problem.kind === 'not-utf8');
  await assert.rejects(collect(chunks('ok\n', 'y'.repeat(60), 'y'.repeat(60), '\n'), 1000, 100), (e: unknown) =>
    e instanceof LineReadError && e.problem.kind === 'line-too-long' && e.problem.line === 2);
  await assert.rejects(collect(chunks(`ok\n${'z'.repeat(150)}\n`), 1000, 100), (e: unknown) =>
    e instanceof LineReadError && e.problem.kind === 'line-too-long' && e.problem.line === 2);
});

test('stop ends the read after the current line', async () => {
  const seen: number[] = [];
  await readLines(chunks('a\nb\nc\n'), { maxBytes: 100, maxLineChars: 10, stop: () => seen.length >= 2 }, (_, n) => seen.push(n));
  assert.deepEqual(seen, [1, 2]);
});
