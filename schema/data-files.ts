// Whether a data-folder file is what the manifest records: the gateway shows it per dataset
// (`datasets { status }`), `npm run data -- verify` prints it, and the puller skips what is present.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ManifestFile } from './data-manifest.js';

/** present: right size and checksum; corrupted: there, but not what the manifest says. */
export type FileState = 'present' | 'missing' | 'corrupted';

export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Checksums by path, kept while the file's size and modification time stay the same. */
export type ChecksumMemo = Map<string, { size: number; mtimeMs: number; sha256: Promise<string> }>;

/**
 * The state of one manifest file in dataDir. With a memo, a file is hashed once per version: a
 * pull replaces files by rename (new mtime), and anything else that changes one changes its mtime.
 */
export async function fileState(dataDir: string, f: ManifestFile, memo?: ChecksumMemo): Promise<FileState> {
  const target = path.join(dataDir, f.file);
  const info = await stat(target).catch(() => null);
  if (!info?.isFile()) return 'missing';
  if (info.size !== f.size) return 'corrupted';
  let known = memo?.get(target);
  if (!known || known.size !== info.size || known.mtimeMs !== info.mtimeMs) {
    known = { size: info.size, mtimeMs: info.mtimeMs, sha256: sha256Of(target) };
    memo?.set(target, known);
    known.sha256.catch(() => memo?.delete(target));
  }
  return (await known.sha256) === f.sha256 ? 'present' : 'corrupted';
}
