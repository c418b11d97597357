// The safetensors reader and writer: round trips, F16/BF16 widening against hand-built bytes,
// zero-copy F32 views, malformed files refused with what was wrong, and the real tiny-xlmr file
// written by Hugging Face's own safetensors library.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSharedDir } from '../../../schema/config.js';
import { parseSafetensors, readSafetensorsHeader, serializeSafetensors, type Tensor } from './safetensors.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const modelsDir = defaultSharedDir('models', repoRoot, fs.existsSync);

/** A safetensors file built by hand: u64 LE header length, the header JSON as given (unpadded), then `data`. */
function handMade(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Little-endian u16 words as bytes. */
function words16(words: number[]): Uint8Array {
  const out = new Uint8Array(2 * words.length);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setUint16(2 * i, w, true));
  return out;
}

/** The header as the file stores it, read without the code under test. */
function rawHeader(bytes: Uint8Array): { length: number; json: string; header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const json = new TextDecoder().decode(bytes.subarray(8, 8 + length));
  return { length, json, header: JSON.parse(json) };
}

const bitsOf = (values: Float32Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength);

function assertSameTensors(actual: ReadonlyMap<string, Tensor>, expected: ReadonlyMap<string, Tensor>): void {
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
  for (const [name, tensor] of expected) {
    const found = actual.get(name)!;
    assert.deepEqual(found.shape, tensor.shape, `shape of ${name}`);
    assert.ok(bitsOf(found.values).equals(bitsOf(tensor.values)), `values of ${name} are bit-identical`);
  }
}

function sampleTensors(): Map<string, Tensor> {
  // Inserted out of name order; values include the float32 corner cases a copy must keep exactly.
  return new Map<string, Tensor>([
    ['layer.weight', { shape: [2, 3], values: Float32Array.from([1.5, -0, Infinity, -Infinity, 1e-45, 3.4028234663852886e38]) }],
    ['embeddings.weight', { shape: [3], values: Float32Array.from([Math.PI, -Math.E, Number.NaN]) }],
    ['layer.bias', { shape: [], values: Float32Array.from([0.1]) }],
    ['empty', { shape: [0, 4], values: new Float32Array(0) }],
    ['a', { shape: [1, 1, 5], values: Float32Array.from([1, 2, 3, 4, 5]) }],
  ]);
}

test('serialize then parse keeps names, shapes, bit-identical values and the metadata', () => {
  const tensors = sampleTensors();
  const metadata = { format: 'pt', note: 'round trip' };
  const parsed = parseSafetensors(serializeSafetensors(tensors, metadata));
  assertSameTensors(parsed.tensors, tensors);
  assert.deepEqual(parsed.metadata, metadata);
  assert.deepEqual(parseSafetensors(serializeSafetensors(tensors)).metadata, { format: 'pt' }, 'the default metadata is what transformers writes');
});

test('the written header is padded to 8 bytes, lists tensors by name with contiguous F32 offsets', () => {
  const tensors = sampleTensors();
  const bytes = serializeSafetensors(tensors);
  const { length, json, header } = rawHeader(bytes);
  assert.equal((8 + length) % 8, 0, 'tensor data starts 8-byte aligned');
  assert.match(json, /^\{.*\} *$/s, 'padding is trailing spaces');
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  assert.deepEqual(names, [...tensors.keys()].sort());
  let end = 0;
  for (const name of names) {
    const { dtype, shape, data_offsets: [begin, stop] } = header[name]!;
    assert.equal(dtype, 'F32');
    assert.deepEqual(shape, tensors.get(name)!.shape);
    assert.equal(begin, end, `${name} starts where the previous tensor ends`);
    assert.equal(stop - begin, 4 * tensors.get(name)!.values.length);
    end = stop;
  }
  assert.equal(end, bytes.length - 8 - length, 'the data section holds exactly the tensors');

  // Different name lengths give different unpadded header lengths; each is padded.
  for (const name of ['x', 'xy', 'xyz', 'xyzw', 'xyzwv', 'xyzwvu', 'xyzwvut', 'xyzwvuts']) {
    const one = serializeSafetensors(new Map([[name, { shape: [1], values: Float32Array.from([7]) }]]));
    assert.equal((8 + rawHeader(one).length) % 8, 0, `header for ${name}`);
    assert.equal(parseSafetensors(one).tensors.get(name)!.values[0], 7);
  }
});

test('serialize refuses a tensor whose values do not fill its shape', () => {
  const tensors = new Map([['w', { shape: [2, 3], values: new Float32Array(5) }]]);
  assert.throws(() => serializeSafetensors(tensors), /tensor w: shape \[2,3\] needs 6 values, has 5/);
});

test('F16 is widened exactly: normal, negative, subnormal, zero signs, infinities, NaN', () => {
  const cases: [number, number][] = [
    [0x3c00, 1],
    [0xc000, -2],
    [0x3555, 1365 / 4096], // (1 + 341/1024) * 2^-2
    [0x7bff, 65504], // largest finite half
    [0x0400, 2 ** -14], // smallest normal
    [0x0001, 2 ** -24], // smallest subnormal
    [0x03ff, 1023 * 2 ** -24], // largest subnormal
    [0x8001, -(2 ** -24)],
    [0x0000, 0],
    [0x8000, -0],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
    [0x7e00, Number.NaN],
  ];
  const bytes = handMade({ h: { dtype: 'F16', shape: [cases.length], data_offsets: [0, 2 * cases.length] } }, words16(cases.map(([w]) => w)));
  const values = parseSafetensors(bytes).tensors.get('h')!.values;
  assert.ok(values instanceof Float32Array);
  cases.forEach(([word, expected], i) => assert.ok(Object.is(values[i], expected), `F16 0x${word.toString(16)}: ${values[i]} should be ${expected}`));
});

test('BF16 is widened exactly: the upper half of a float32', () => {
  const cases: [number, number][] = [
    [0x3f80, 1],
    [0xc040, -3],
    [0x3fc0, 1.5],
    [0x4049, 3.140625],
    [0xbe20, -0.15625],
    [0x0001, 2 ** -133], // smallest subnormal
    [0x8001, -(2 ** -133)],
    [0x7f7f, 0xff * 2 ** 120], // largest finite
    [0x8000, -0],
    [0x7f80, Infinity],
    [0xff80, -Infinity],
    [0x7fc0, Number.NaN],
  ];
  const bytes = handMade({ b: { dtype: 'BF16', shape: [3, 4], data_offsets: [0, 2 * cases.length] } }, words16(cases.map(([w]) => w)));
  const tensor = parseSafetensors(bytes).tensors.get('b')!;
  assert.deepEqual(tensor.shape, [3, 4]);
  cases.forEach(([word, expected], i) => assert.ok(Object.is(tensor.values[i], expected), `BF16 0x${word.toString(16)}: ${tensor.values[i]} should be ${expected}`));
});

test('half-precision tensors at odd byte positions decode the same', () => {
  // A 2-byte F16 tensor first puts the BF16 one at an offset that is not 4-aligned.
  const data = words16([0x3c00, 0x3fc0, 0xc000]);
  const header = { h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] }, b: { dtype: 'BF16', shape: [2], data_offsets: [2, 6] } };
  const { tensors } = parseSafetensors(handMade(header, data));
  assert.deepEqual([...tensors.get('h')!.values], [1]);
  assert.deepEqual([...tensors.get('b')!.values], [1.5, -2]);
});

test('F32 tensors at aligned offsets are views on the file bytes; unaligned ones are copied correctly', () => {
  const tensors = sampleTensors();
  const bytes = serializeSafetensors(tensors);
  const parsed = parseSafetensors(bytes).tensors;
  for (const [name, tensor] of parsed) assert.equal(tensor.values.buffer, bytes.buffer, `${name} is a view, not a copy`);

  // The same file one byte into a larger buffer: every tensor is misaligned for a Float32Array.
  const shifted = new Uint8Array(bytes.length + 1);
  shifted.set(bytes, 1);
  const fromShifted = parseSafetensors(shifted.subarray(1)).tensors;
  assertSameTensors(fromShifted, tensors);
  for (const [name, tensor] of fromShifted) if (tensor.values.length > 0) assert.notEqual(tensor.values.buffer, shifted.buffer, `${name} is copied`);

  // Four bytes in: aligned again, so views on the larger buffer at the right place.
  const padded = new Uint8Array(bytes.length + 4);
  padded.set(bytes, 4);
  const fromPadded = parseSafetensors(padded.subarray(4)).tensors;
  assertSameTensors(fromPadded, tensors);
  for (const tensor of fromPadded.values()) assert.equal(tensor.values.buffer, padded.buffer);
});

test('malformed files are refused with what was wrong', () => {
  const source = { source: 'broken.safetensors' };
  assert.throws(() => parseSafetensors(new Uint8Array(5), source), /^HfModelError: broken\.safetensors: shorter than the 8-byte header length$/);

  const tooLong = new Uint8Array(20);
  new DataView(tooLong.buffer).setBigUint64(0, 1000n, true);
  assert.throws(() => parseSafetensors(tooLong, source), /broken\.safetensors: header length 1000 does not fit a file of 20 bytes/);
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, 2n ** 63n, true);
  assert.throws(() => parseSafetensors(huge, source), /does not fit a file of 16 bytes/);

  assert.throws(() => parseSafetensors(handMade('{"w": {"dtype": "F32",'), source), /broken\.safetensors: header is not JSON/);

  const four = new Uint8Array(4);
  assert.throws(
    () => parseSafetensors(handMade({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, four), source),
    /broken\.safetensors: tensor w has data_offsets \[0,8\] outside the 4 data bytes/,
  );
  assert.throws(() => parseSafetensors(handMade({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, four), source), /tensor w has data_offsets \[4,0\]/);
  assert.throws(() => parseSafetensors(handMade({ w: { dtype: 'F32', shape: [1], data_offsets: [0] } }, four), source), /tensor w has data_offsets \[0\]/);
  assert.throws(() => parseSafetensors(handMade({ w: { dtype: 'F32', shape: [2, -1], data_offsets: [0, 4] } }, four), source), /tensor w has shape \[2,-1\]/);

  assert.throws(
    () => parseSafetensors(handMade({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, four), source),
    /broken\.safetensors: tensor w \(F32 \[2\]\) needs 8 bytes, has 4/,
  );
  assert.throws(() => parseSafetensors(handMade({ h: { dtype: 'F16', shape: [3], data_offsets: [0, 4] } }, four), source), /tensor h \(F16 \[3\]\) needs 6 bytes, has 4/);
  assert.throws(() => parseSafetensors(handMade({ b: { dtype: 'BF16', shape: [1], data_offsets: [0, 4] } }, four), source), /tensor b \(BF16 \[1\]\) needs 2 bytes, has 4/);
});

test('an unsupported dtype fails only when that tensor is read', () => {
  const data = new Uint8Array(20);
  new DataView(data.buffer).setFloat32(16, 2.5, true);
  const bytes = handMade({ ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] }, w: { dtype: 'F32', shape: [1], data_offsets: [16, 20] } }, data);

  const { tensors: infos } = readSafetensorsHeader(bytes, 'mixed.safetensors');
  assert.deepEqual(infos.get('ids'), { dtype: 'I64', shape: [2], bytes: 16, begin: bytes.length - 20 });
  assert.throws(() => parseSafetensors(bytes, { source: 'mixed.safetensors' }), /^HfModelError: mixed\.safetensors: tensor ids has dtype I64; expected F32, F16 or BF16$/);
  const { tensors } = parseSafetensors(bytes, { only: (name) => name !== 'ids' });
  assert.deepEqual([...tensors.keys()], ['w']);
  assert.deepEqual([...tensors.get('w')!.values], [2.5]);
});

test('readSafetensorsHeader reads a header-only prefix when given the file size', () => {
  const tensors = sampleTensors();
  const bytes = serializeSafetensors(tensors, { format: 'pt', by: 'test' });
  const { length } = rawHeader(bytes);
  const prefix = bytes.slice(0, 8 + length);

  const header = readSafetensorsHeader(prefix, 'prefix', bytes.length);
  assert.equal(header.dataStart, 8 + length);
  assert.deepEqual(header.metadata, { format: 'pt', by: 'test' });
  assert.deepEqual([...header.tensors.keys()].sort(), [...tensors.keys()].sort());
  for (const [name, info] of header.tensors) {
    const tensor = tensors.get(name)!;
    assert.equal(info.dtype, 'F32');
    assert.deepEqual(info.shape, tensor.shape);
    assert.equal(info.bytes, 4 * tensor.values.length);
    assert.ok(Buffer.from(bytes.subarray(info.begin, info.begin + info.bytes)).equals(bitsOf(tensor.values)), `${name}: begin points at its data in the whole file`);
  }
  // Without the file size the prefix has no data section, so the offsets do not fit.
  assert.throws(() => readSafetensorsHeader(prefix, 'prefix'), /prefix: tensor \S+ has data_offsets \[\d+,\d+\] outside the 0 data bytes/);
  // A prefix cut inside the header cannot be read, whatever the file size.
  assert.throws(() => readSafetensorsHeader(prefix.subarray(0, 8 + length - 1), 'prefix', bytes.length), /prefix: header length \d+ does not fit/);
});

test('tiny-xlmr/model.safetensors (written by Hugging Face) survives parse, serialize, parse unchanged', () => {
  const file = path.join(modelsDir, 'tiny-xlmr', 'model.safetensors');
  const original = new Uint8Array(fs.readFileSync(file));
  const first = parseSafetensors(original, { source: file });
  const { header } = rawHeader(original);
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  assert.deepEqual([...first.tensors.keys()].sort(), names.sort());
  for (const name of names) assert.deepEqual(first.tensors.get(name)!.shape, header[name]!.shape);
  assert.ok(first.tensors.get('embeddings.word_embeddings.weight')!.values.some((v) => v !== 0), 'real weights, not zeros');

  const rewritten = serializeSafetensors(first.tensors, first.metadata);
  // F32 tensors in name order, header padded with spaces: what safetensors' own writer produced.
  assert.ok(Buffer.from(rewritten).equals(original), 'written byte for byte as Hugging Face wrote it');
  const second = parseSafetensors(rewritten);
  assertSameTensors(second.tensors, first.tensors);
  assert.deepEqual(second.metadata, first.metadata);
  for (const name of names) {
    const [begin, end] = header[name]!.data_offsets;
    const start = 8 + rawHeader(original).length;
    assert.ok(Buffer.from(original.subarray(start + begin, start + end)).equals(bitsOf(second.tensors.get(name)!.values)), `${name}: the file's own bytes`);
  }
});
