// Reads a UTF-8 text stream line by line without holding more than one line: the bytes are hashed
// as they pass and counted against a cap, so a file that grows after it was checked, or a special
// file without a size, is still cut off.

import { createHash } from 'node:crypto';

export interface StreamedText {
  bytes: number;
  sha256: string;
}

export type LineReadProblem =
  | { kind: 'too-large'; maxBytes: number }
  | { kind: 'not-utf8' }
  | { kind: 'line-too-long'; line: number; maxLineChars: number };

export class LineReadError extends Error {
  constructor(readonly problem: LineReadProblem) {
    super(`line read failed: ${problem.kind}`);
    this.name = 'LineReadError';
  }
}

export interface LineReadOptions {
  maxBytes: number;
  /** One line beyond this many UTF-16 units stops the read: a line is held whole to be parsed. */
  maxLineChars: number;
  /** Stops the read early (returns what was hashed so far); checked after each line. */
  stop?: () => boolean;
}

/**
 * Calls onLine(text, number) for each line (1-based; "\n" or "\r\n" ends a line; the text after
 * the last break is a line too). A leading byte order mark is dropped.
 */
export async function readLines(
  source: AsyncIterable<Uint8Array>,
  options: LineReadOptions,
  onLine: (text: string, line: number) => void,
): Promise<StreamedText> {
  const hash = createHash('sha256');
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  let carry = '';
  let line = 0;
  const decode = (chunk?: Uint8Array) => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      throw new LineReadError({ kind: 'not-utf8' });
    }
  };
  const emit = (text: string) => {
    line++;
    onLine(text.endsWith('\r') ? text.slice(0, -1) : text, line);
  };
  const finished = () => ({ bytes, sha256: hash.digest('hex') });

  for await (const chunk of source) {
    bytes += chunk.byteLength;
    if (bytes > options.maxBytes) throw new LineReadError({ kind: 'too-large', maxBytes: options.maxBytes });
    hash.update(chunk);
    const text = carry + decode(chunk);
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      if (end - start > options.maxLineChars) throw new LineReadError({ kind: 'line-too-long', line: line + 1, maxLineChars: options.maxLineChars });
      emit(text.slice(start, end));
      start = end + 1;
      if (options.stop?.()) return finished();
    }
    carry = text.slice(start);
    if (carry.length > options.maxLineChars) throw new LineReadError({ kind: 'line-too-long', line: line + 1, maxLineChars: options.maxLineChars });
  }
  carry += decode();
  emit(carry);
  return finished();
}
