// Where the data folder's files come from (schema/data-manifest.ts, generated from SOURCES.md), and
// what a file's download address is: the pinned commit on GitHub, or a mirror (DATA_MIRROR: a base
// URL or a local folder laid out as the data folder) for sites without the outside network.

import { DATA_MANIFEST, type ManifestFile, type ManifestFolder } from './data-manifest.js';
import { findDataset } from './datasets.js';

export type { ManifestFile, ManifestFolder };

const HEADER = ['file', 'repo', 'path', 'commit', 'license', 'size', 'sha256'];

/** The "## <folder>" sections of SOURCES.md, each with its description and its table of files. */
export function parseSources(markdown: string): ManifestFolder[] {
  const folders: ManifestFolder[] = [];
  let current: ManifestFolder | undefined;
  for (const line of markdown.split('\n')) {
    const heading = /^## (\S+)/.exec(line);
    if (heading) {
      current = { folder: heading[1]!, description: '', files: [] };
      folders.push(current);
      continue;
    }
    if (!current) continue;
    if (!line.startsWith('|')) {
      if (line.trim() && !current.description) current.description = line.trim();
      continue;
    }
    const cells = line.slice(1, -1).split('|').map((c) => c.trim());
    if (cells.length !== HEADER.length || cells[0] === 'file' || /^-+$/.test(cells[0]!)) continue;
    const [file, repo, path, commit, license, size, sha256] = cells as [string, string, string, string, string, string, string];
    if (!/^[0-9a-f]{40}$/.test(commit) || !/^[0-9a-f]{64}$/.test(sha256) || !/^\d+$/.test(size)) throw new Error(`SOURCES.md: malformed row for ${file}`);
    current.files.push({ file, repo, path, commit, license, size: Number(size), sha256 });
  }
  return folders.filter((f) => f.files.length > 0);
}

/** The manifest entry of a catalog dataset (by its folder), or undefined when no source is recorded. */
export function manifestOf(datasetName: string, manifest: readonly ManifestFolder[] = DATA_MANIFEST): ManifestFolder | undefined {
  const folder = findDataset(datasetName)?.folder;
  return folder === undefined ? undefined : manifest.find((m) => m.folder === folder);
}

/** Non-commercial licenses are flagged before download. */
export const isNonCommercial = (license: string): boolean => /\bNC\b|non-commercial|noncommercial/i.test(license);

/** The canonical address of a file: raw.githubusercontent.com at the pinned commit. */
export const canonicalUrl = (f: ManifestFile): string => `https://raw.githubusercontent.com/${f.repo}/${f.commit}/${f.path}`;

/** The address to fetch a file from: under the mirror when one is set (laid out as the data folder), else its canonical source. */
export function sourceOf(f: ManifestFile, mirror: string | null): { kind: 'url'; url: string } | { kind: 'folder'; path: string } {
  if (!mirror) return { kind: 'url', url: canonicalUrl(f) };
  if (/^https?:\/\//.test(mirror)) return { kind: 'url', url: `${mirror.replace(/\/+$/, '')}/${f.file.split('/').map(encodeURIComponent).join('/')}` };
  return { kind: 'folder', path: `${mirror.replace(/\/+$/, '')}/${f.file}` };
}
