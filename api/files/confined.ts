// Paths named by users (importDataset, registerModel) are opened with the gateway's own rights, so
// they are confined to configured folders. Whatever goes wrong before the target is known to be
// inside a root (outside, missing, a symlink or `..` leading out) gives the caller the same
// answer, so that a refusal does not tell whether a path exists on the server.

import { realpath } from 'node:fs/promises';
import path from 'node:path';

export interface ConfinedPath {
  /** realpath of the target: what the gateway opens and records. */
  absolute: string;
  /** realpath of the root holding it. */
  root: string;
  /** From that root to the target ("." for the root itself): what users are shown. */
  relative: string;
}

/** `target` is `root` or below it; both absolute and normalized. */
export function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/**
 * Resolves `given` inside `roots`: relative paths against the first root (never the process's
 * directory), absolute ones must name a place inside a root. The realpath of the result must lie
 * inside the realpath of a root. Undefined when any of this fails, including when the path does
 * not exist.
 */
export async function resolveConfined(given: string, roots: readonly string[]): Promise<ConfinedPath | undefined> {
  if (roots.length === 0 || given.trim() === '' || given.includes('\0')) return undefined;
  const lexical = path.isAbsolute(given) ? path.normalize(given) : path.resolve(roots[0]!, given);
  const real = await realRoots(roots);
  // The configured spelling or the real one of a root (a root may itself be a symlink).
  const named = roots.some((root, i) => isInside(path.resolve(root), lexical) || (real[i] !== undefined && isInside(real[i], lexical)));
  if (!named) return undefined;
  const absolute = await realpath(lexical).catch(() => undefined);
  if (absolute === undefined) return undefined;
  const root = real.find((r): r is string => r !== undefined && isInside(r, absolute));
  if (root === undefined) return undefined;
  return { absolute, root, relative: path.relative(root, absolute) || '.' };
}

/** The realpath of each root; undefined for a root that does not exist. */
export function realRoots(roots: readonly string[]): Promise<Array<string | undefined>> {
  return Promise.all(roots.map((root) => realpath(root).catch(() => undefined)));
}

/**
 * How a recorded absolute path is shown: relative to the first root holding it (roots given in
 * any spelling), else only its last `keep` segments, so that the server's layout never shows.
 */
export function shownPath(absolute: string, roots: ReadonlyArray<string | undefined>, keep = 1): string {
  for (const root of roots) {
    if (root !== undefined && isInside(path.resolve(root), absolute)) return path.relative(path.resolve(root), absolute) || '.';
  }
  return tail(absolute, keep);
}

/** The last `keep` segments of a path (the file name for 1). */
export function tail(file: string, keep: number): string {
  const segments = file.split(/[\\/]+/).filter((s) => s !== '');
  return segments.slice(-Math.max(1, keep)).join('/') || '.';
}

/** `text` with each absolute path replaced by what users may see of it; longer paths first. */
export function hidePaths(text: string, replacements: ReadonlyArray<readonly [absolute: string, shown: string]>): string {
  const sorted = [...replacements].filter(([absolute]) => absolute !== '').sort((a, b) => b[0].length - a[0].length);
  return sorted.reduce((out, [absolute, shown]) => out.split(absolute).join(shown), text);
}
