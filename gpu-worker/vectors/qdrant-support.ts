// Pure helpers of the Qdrant store: point ids, which failures are worth retrying, and reading the
// status and message out of the client's errors.

import { createHash } from 'node:crypto';

// Qdrant accepts only unsigned integers and UUIDs as point ids, so string ids become name-based
// (version 5) UUIDs in this fixed namespace; the original id travels in the payload.
const NAMESPACE = Buffer.from('6f1d2c8e4b7a4e0f9a3d5c7b1e2f4a60', 'hex');

export function pointUuid(id: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(id, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** HTTP status of a failed request (the client's ApiError carries it), if any. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Qdrant's own explanation (`{ status: { error } }` in the body) or the error's message. */
export function reasonOf(error: unknown): string {
  const data = (error as { data?: { status?: { error?: unknown } } } | null)?.data;
  const reason = data?.status?.error;
  if (typeof reason === 'string') return reason;
  return error instanceof Error ? error.message : String(error);
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

/** Milliseconds to wait before retrying, or null when retrying cannot help (4xx, bugs). */
export function retryDelay(error: unknown, attempt: number, baseMs: number): number | null {
  const backoff = Math.min(10_000, baseMs * 2 ** attempt) * (0.5 + Math.random() / 2);
  const retryAfter = (error as { retry_after?: unknown } | null)?.retry_after;
  if (typeof retryAfter === 'number') return Math.max(retryAfter * 1000, backoff);
  const status = statusOf(error);
  if (status !== undefined) return status === 429 || status >= 500 ? backoff : null;
  const name = (error as Error | null)?.name;
  if (name === 'QdrantClientTimeoutError') return backoff;
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  // undici reports a failed connection as TypeError('fetch failed') with the socket error as cause.
  if (error instanceof TypeError && error.message === 'fetch failed') return backoff;
  if (typeof cause?.code === 'string' && NETWORK_CODES.has(cause.code)) return backoff;
  return null;
}

export async function withRetry<T>(
  retries: number,
  baseMs: number,
  work: () => Promise<T>,
  sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const delay = attempt < retries ? retryDelay(error, attempt, baseMs) : null;
      if (delay === null) throw error;
      await sleep(delay);
    }
  }
}

export function* batches<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
