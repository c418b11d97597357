// On-disk formats of the embedded store: atomic file replacement, and the append-only operation
// log that makes each upsert/delete durable without rewriting the whole collection.
//
// Log record: u32 body length, then the body: u32 header length, header JSON (UTF-8), then the
// upserted vectors as little-endian Float32 (already normalised). A record cut short by a crash
// is ignored together with anything after it.

import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { SparseVector, VectorPayload } from './store.js';

/** `lexical` is absent in logs written before lexical indexes, and null for points without terms. */
export type LogOp =
  | { op: 'upsert'; ids: string[]; payloads: VectorPayload[]; vectors: Float32Array; lexical?: (SparseVector | null)[] }
  | { op: 'delete'; ids: string[] };

type Header = { op: 'upsert'; ids: string[]; payloads: VectorPayload[]; lexical?: (SparseVector | null)[] } | { op: 'delete'; ids: string[] };

/** Writes through a temporary file, syncs it and renames it over `file`: readers see old or new. */
export async function writeAtomic(file: string, write: (handle: FileHandle) => Promise<void>): Promise<void> {
  const temp = `${file}.tmp-${randomBytes(4).toString('hex')}`;
  const handle = await open(temp, 'w');
  try {
    await write(handle);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temp, file);
  await syncDir(path.dirname(file));
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeAtomic(file, (h) => h.writeFile(JSON.stringify(value, null, 1)));
}

export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic there.
  } finally {
    await handle.close();
  }
}

export function encodeLogRecord(op: LogOp): Buffer {
  const header: Header = op.op === 'upsert' ? { op: 'upsert', ids: op.ids, payloads: op.payloads, ...(op.lexical ? { lexical: op.lexical } : {}) } : op;
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const vectors = op.op === 'upsert' ? Buffer.from(op.vectors.buffer, op.vectors.byteOffset, op.vectors.byteLength) : null;
  const bodyLength = 4 + json.length + (vectors?.length ?? 0);
  const out = Buffer.allocUnsafe(4 + bodyLength);
  out.writeUInt32LE(bodyLength, 0);
  out.writeUInt32LE(json.length, 4);
  json.copy(out, 8);
  vectors?.copy(out, 8 + json.length);
  return out;
}

/** The complete records of a log, and the byte length they span (the rest is a torn tail). */
export function decodeLog(data: Buffer, dimension: number): { ops: LogOp[]; validBytes: number } {
  const ops: LogOp[] = [];
  let at = 0;
  while (at + 4 <= data.length) {
    const bodyLength = data.readUInt32LE(at);
    if (bodyLength < 4 || at + 4 + bodyLength > data.length) break;
    const jsonLength = data.readUInt32LE(at + 4);
    if (jsonLength > bodyLength - 4) break;
    let header: Header;
    try {
      header = JSON.parse(data.toString('utf8', at + 8, at + 8 + jsonLength)) as Header;
    } catch {
      break;
    }
    if (header.op === 'upsert') {
      const bytes = bodyLength - 4 - jsonLength;
      if (bytes !== header.ids.length * dimension * 4) break;
      const vectors = new Float32Array(bytes / 4);
      data.copy(new Uint8Array(vectors.buffer), 0, at + 8 + jsonLength, at + 4 + bodyLength);
      ops.push({ op: 'upsert', ids: header.ids, payloads: header.payloads, vectors, ...(header.lexical ? { lexical: header.lexical } : {}) });
    } else {
      ops.push({ op: 'delete', ids: header.ids });
    }
    at += 4 + bodyLength;
  }
  return { ops, validBytes: at };
}

/** Writes a Float32Array in slices so that a large block never needs a second full-size copy. */
export async function writeFloats(handle: FileHandle, data: Float32Array): Promise<void> {
  const step = 1 << 22;
  for (let i = 0; i < data.byteLength; i += step) {
    const length = Math.min(step, data.byteLength - i);
    await handle.write(new Uint8Array(data.buffer, data.byteOffset + i, length));
  }
}
