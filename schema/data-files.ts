// Whether a data-folder file is what the manifest records: the gateway shows it per dataset
// (`datasets { status }`), `npm run data -- verify` prints it, and the puller skips what is present.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { DATA_MANIFEST, type ManifestFile } from './data-manifest.js';
import { DEMO_SAMPLE_FILE, type DemoSample } from './demo.js';

/**
 * present: right size and checksum; sample: the demo bundle's subset of it (schema/demo.ts);
 * corrupted: there, but neither.
 */
export type FileState = 'present' | 'missing' | 'sample' | 'corrupted';

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
 * `sample`: the data folder's record of demo files (readSampleRecord).
 */
export async function fileState(dataDir: string, f: ManifestFile, memo?: ChecksumMemo, sample?: ReadonlyMap<string, string>): Promise<FileState> {
  const target = path.join(dataDir, f.file);
  const info = await stat(target).catch(() => null);
  if (!info?.isFile()) return 'missing';
  const sampleSha = sample?.get(f.file);
  if (info.size !== f.size && !sampleSha) return 'corrupted';
  const sha256 = await checksum(target, info, memo);
  return sha256 === f.sha256 ? 'present' : sha256 === sampleSha ? 'sample' : 'corrupted';
}

async function checksum(target: string, info: { size: number; mtimeMs: number }, memo?: ChecksumMemo): Promise<string> {
  let known = memo?.get(target);
  if (!known || known.size !== info.size || known.mtimeMs !== info.mtimeMs) {
    known = { size: info.size, mtimeMs: info.mtimeMs, sha256: sha256Of(target) };
    memo?.set(target, known);
    known.sha256.catch(() => memo?.delete(target));
  }
  return known.sha256;
}

/**
 * The demo files a data folder was seeded with (paths relative to it -> sha256); empty when it was
 * not, and when the record cannot be read or parsed: a damaged record must not fail listings or the
 * writing of evaluation reports, it only loses the SAMPLE label.
 */
export async function readSampleRecord(dataDir: string): Promise<Map<string, string>> {
  const text = await readFile(path.join(dataDir, DEMO_SAMPLE_FILE), 'utf8').catch(() => null);
  if (text === null) return new Map();
  try {
    const files = (JSON.parse(text) as Partial<DemoSample>).files;
    return new Map(Object.entries(files ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  } catch {
    return new Map();
  }
}

const FULL_SHA256: ReadonlyMap<string, string> = new Map(DATA_MANIFEST.flatMap((m) => m.files.map((f) => [f.file, f.sha256] as const)));

/**
 * Some file of the folder is still a cut of the demo sample: numbers computed from it are
 * sample-sized. Files the bundle copied unchanged (licenses) are the full dataset's own and do not count.
 */
export async function holdsSample(dataDir: string, folder: string, memo?: ChecksumMemo): Promise<boolean> {
  const sample = await readSampleRecord(dataDir);
  for (const [file, sha256] of sample) {
    if (!file.startsWith(`${folder}/`) || FULL_SHA256.get(file) === sha256) continue;
    const target = path.join(dataDir, file);
    const info = await stat(target).catch(() => null);
    if (info?.isFile() && (await checksum(target, info, memo)) === sha256) return true;
  }
  return false;
}
