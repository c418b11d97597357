// The safetensors format (huggingface/safetensors): u64 little-endian header length, a JSON header
// mapping tensor names to { dtype, shape, data_offsets: [begin, end) } relative to the end of the
// header (plus an optional "__metadata__" string map), then the raw little-endian tensor bytes.
// Encoders compute in float32, so F16 and BF16 tensors are widened on read; files are written F32.

import { HfModelError } from './config.js';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

export interface Tensor {
  shape: number[];
  values: Float32Array;
}

export interface TensorInfo {
  dtype: string;
  shape: number[];
  /** Bytes of the tensor's data. */
  bytes: number;
}

const MAX_HEADER = 100 << 20; // the reference implementation's limit

/**
 * The header alone: names, dtypes, shapes. `bytes` may hold just the file's first 8 + header
 * length bytes when `fileSize` gives the whole file's size (offsets are checked against it).
 */
export function readSafetensorsHeader(bytes: Uint8Array, source = 'safetensors', fileSize = bytes.byteLength): { metadata: Record<string, string>; tensors: Map<string, TensorInfo & { begin: number }>; dataStart: number } {
  if (bytes.byteLength < 8) throw new HfModelError(`${source}: shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER || 8 + headerLength > Math.min(fileSize, bytes.byteLength)) {
    throw new HfModelError(`${source}: header length ${headerLength} does not fit a file of ${fileSize} bytes`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw new HfModelError(`${source}: header is not JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new HfModelError(`${source}: header is not a JSON object`);
  const dataStart = 8 + headerLength;
  const dataBytes = fileSize - dataStart;
  const tensors = new Map<string, TensorInfo & { begin: number }>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    if (typeof entry !== 'object' || entry === null) throw new HfModelError(`${source}: tensor ${name} is ${JSON.stringify(entry)}, not a {dtype, shape, data_offsets} object`);
    const { dtype, shape, data_offsets: offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0)) throw new HfModelError(`${source}: tensor ${name} has shape ${JSON.stringify(shape)}`);
    const validOffsets = Array.isArray(offsets) && offsets.length === 2 && offsets.every((n) => Number.isInteger(n) && n >= 0);
    if (!validOffsets || !(offsets[0] <= offsets[1]) || offsets[1] > dataBytes) {
      throw new HfModelError(`${source}: tensor ${name} has data_offsets ${JSON.stringify(offsets)} outside the ${dataBytes} data bytes`);
    }
    const width = dtype === 'F32' ? 4 : dtype === 'F16' || dtype === 'BF16' ? 2 : null;
    const count = shape.reduce((a, b) => a * b, 1);
    if (width !== null && count * width !== offsets[1] - offsets[0]) {
      throw new HfModelError(`${source}: tensor ${name} (${dtype} ${JSON.stringify(shape)}) needs ${count * width} bytes, has ${offsets[1] - offsets[0]}`);
    }
    tensors.set(name, { dtype, shape, bytes: offsets[1] - offsets[0], begin: dataStart + offsets[0] });
  }
  return { metadata, tensors, dataStart };
}

/**
 * Tensors by name as float32. F32 tensors at 4-byte aligned offsets are views on `bytes` (no
 * copy), so a model's weights are not held twice while they are loaded. `only` limits the read.
 */
export function parseSafetensors(bytes: Uint8Array, options: { source?: string; only?: (name: string) => boolean } = {}): { metadata: Record<string, string>; tensors: Map<string, Tensor> } {
  const source = options.source ?? 'safetensors';
  const { metadata, tensors: infos } = readSafetensorsHeader(bytes, source);
  const tensors = new Map<string, Tensor>();
  for (const [name, info] of infos) {
    if (options.only && !options.only(name)) continue;
    tensors.set(name, { shape: info.shape, values: decode(bytes, info, `${source}: tensor ${name}`) });
  }
  return { metadata, tensors };
}

function decode(bytes: Uint8Array, info: TensorInfo & { begin: number }, what: string): Float32Array {
  const count = info.shape.reduce((a, b) => a * b, 1);
  const offset = bytes.byteOffset + info.begin;
  switch (info.dtype) {
    case 'F32':
      if (offset % 4 === 0) return new Float32Array(bytes.buffer, offset, count);
      return new Float32Array(bytes.slice(info.begin, info.begin + info.bytes).buffer);
    case 'BF16': {
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      const view = new DataView(bytes.buffer, offset, info.bytes);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return out;
    }
    case 'F16': {
      const out = new Float32Array(count);
      const view = new DataView(bytes.buffer, offset, info.bytes);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      return out;
    }
    default:
      throw new HfModelError(`${what} has dtype ${info.dtype}; expected F32, F16 or BF16`);
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** F32 safetensors bytes; tensors in name order, the header padded with spaces to 8 bytes as the reference writer does. */
export function serializeSafetensors(tensors: ReadonlyMap<string, Tensor>, metadata: Record<string, string> = { format: 'pt' }): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const name of names) {
    const { shape, values } = tensors.get(name)!;
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== values.length) throw new HfModelError(`tensor ${name}: shape ${JSON.stringify(shape)} needs ${count} values, has ${values.length}`);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const { values } = tensors.get(name)!;
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), at);
    at += values.byteLength;
  }
  return out;
}
