// `npm run data -- list | pull <name...> | verify [name...]`: the catalog's datasets on this machine.
//
// list    every catalog dataset: files, size, license (non-commercial ones flagged) and whether
//         its files are present, missing or corrupted in the data folder;
// pull    shows the licenses, then downloads the named datasets' missing or corrupted files from
//         DATA_MIRROR (a base URL or a local folder) or each file's pinned GitHub source, with
//         resume, retries and sha256 verification (gpu-worker/data/pull.ts), into DATA_DIR or ./data;
// verify  checks every file of the named datasets (default: all) against the manifest's sha256;
//         exits 1 when one is missing or corrupted.

import { loadDataCommandConfig } from '../gpu-worker/config.js';
import { createPuller, PullError } from '../gpu-worker/data/pull.js';
import { fileState, readSampleRecord, type FileState } from '../schema/data-files.js';
import { isNonCommercial, manifestOf, type ManifestFolder } from '../schema/data-sources.js';
import { DATASETS } from '../schema/datasets.js';
import { bar } from './progress-bars.js';

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function datasetsNamed(names: readonly string[]): Array<{ name: string; manifest: ManifestFolder }> {
  const wanted = names.length > 0 ? names : DATASETS.map((d) => d.name);
  return wanted.flatMap((name) => {
    if (!DATASETS.some((d) => d.name === name)) throw new UsageError(`"${name}" is not a catalog dataset (${DATASETS.map((d) => d.name).join(', ')})`);
    const manifest = manifestOf(name);
    if (!manifest) {
      if (names.length > 0) throw new UsageError(`"${name}" has no recorded source in the manifest: place its files in the data folder yourself`);
      return [];
    }
    return [{ name, manifest }];
  });
}

class UsageError extends Error {}

const licensesOf = (m: ManifestFolder) => [...new Set(m.files.map((f) => f.license))];

async function states(dataDir: string, m: ManifestFolder): Promise<Record<FileState, number>> {
  const counts: Record<FileState, number> = { present: 0, missing: 0, sample: 0, corrupted: 0 };
  const sample = await readSampleRecord(dataDir);
  for (const f of m.files) counts[await fileState(dataDir, f, undefined, sample)]++;
  return counts;
}

async function list(): Promise<number> {
  const { dataDir } = loadDataCommandConfig();
  console.log(`data folder: ${dataDir}\n`);
  for (const d of DATASETS) {
    const m = manifestOf(d.name);
    if (!m) {
      console.log(`${d.name.padEnd(10)} no recorded source (place its files under ${d.folder}/ yourself)`);
      continue;
    }
    const s = await states(dataDir, m);
    const size = m.files.reduce((a, f) => a + f.size, 0);
    const nc = licensesOf(m).some(isNonCommercial) ? ' [NON-COMMERCIAL]' : '';
    const sampled = s.sample > 0 ? `, demo sample ${s.sample}` : '';
    console.log(`${d.name.padEnd(10)} ${String(m.files.length).padStart(3)} files ${mib(size).padStart(9)}  present ${s.present}, missing ${s.missing}${sampled}, corrupted ${s.corrupted}${nc}`);
    console.log(`${''.padEnd(10)} ${licensesOf(m).join('; ')}`);
  }
  return 0;
}

async function verify(names: readonly string[]): Promise<number> {
  const { dataDir } = loadDataCommandConfig();
  let bad = 0;
  const sample = await readSampleRecord(dataDir);
  for (const { name, manifest } of datasetsNamed(names)) {
    for (const f of manifest.files) {
      const state = await fileState(dataDir, f, undefined, sample);
      if (state !== 'present') {
        bad++;
        console.log(`${name}: ${f.file} ${state}`);
      }
    }
    console.log(`${name}: ${manifest.files.length} files checked`);
  }
  console.log(bad === 0 ? 'every file matches the manifest' : `${bad} files missing, corrupted or the demo sample: npm run data -- pull <name>`);
  return bad === 0 ? 0 : 1;
}

async function pull(names: readonly string[]): Promise<number> {
  if (names.length === 0) throw new UsageError('name the datasets to pull (npm run data -- list shows them)');
  const { pullDir, mirror } = loadDataCommandConfig();
  const chosen = datasetsNamed(names);
  for (const { name, manifest } of chosen) {
    for (const license of licensesOf(manifest)) console.log(`${name}: license ${license}${isNonCommercial(license) ? '  << NON-COMMERCIAL: research use only' : ''}`);
  }
  console.log(`into ${pullDir} from ${mirror ?? 'each file\'s pinned GitHub source'}\n`);
  const tty = process.stdout.isTTY;
  let shown = '';
  const puller = createPuller({
    dataDir: pullDir,
    mirror,
    onProgress: ({ file, received, total }) => {
      const line = `${file} ${bar(received / total)} ${mib(received)} / ${mib(total)}`;
      if (tty) process.stdout.write(`\r${line}`);
      else if (line !== shown && received === total) console.log(line);
      shown = line;
    },
  });
  let failed = 0;
  for (const { manifest } of chosen) {
    for (const f of manifest.files) {
      try {
        const result = await puller.pull(f);
        if (tty) process.stdout.write('\n');
        if (result.outcome === 'already') console.log(`${f.file} already present and verified`);
      } catch (error) {
        if (!(error instanceof PullError)) throw error;
        if (tty) process.stdout.write('\n');
        console.error(error.message);
        failed++;
      }
    }
  }
  return failed === 0 ? 0 : 1;
}

const [command, ...rest] = process.argv.slice(2);
try {
  switch (command) {
    case 'list':
      process.exitCode = await list();
      break;
    case 'verify':
      process.exitCode = await verify(rest);
      break;
    case 'pull':
      process.exitCode = await pull(rest);
      break;
    default:
      throw new UsageError(`usage: npm run data -- list | pull <name...> | verify [name...] (got ${command ?? 'nothing'})`);
  }
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(error.message);
  process.exitCode = 2;
}
