// Relay cursors for lists ordered by (createdAt desc, id desc). A cursor is the position of the
// last row seen, so pages stay stable while new rows are inserted at the head.

import { badUserInput } from './errors.js';

export interface Position {
  createdAt: Date;
  id: string;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.createdAt.toISOString(), position.id])).toString('base64url');
}

export function decodeCursor(cursor: string, field = 'after'): Position {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2) {
      const [at, id] = parsed as unknown[];
      const createdAt = typeof at === 'string' ? new Date(at) : new Date(NaN);
      if (typeof id === 'string' && !Number.isNaN(createdAt.getTime())) return { createdAt, id };
    }
  } catch {
    // fall through: any malformed cursor gets the same answer
  }
  throw badUserInput(field, cursor, 'is not a cursor returned by this API');
}

export function pageSize(first: number | null | undefined, field = 'first'): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badUserInput(field, first, `is not an integer in [1, ${MAX_PAGE_SIZE}]`);
  }
  return first;
}

/** Rows strictly after `position` in (createdAt desc, id desc) order, as a Prisma where clause. */
export function afterPosition(position: Position) {
  return {
    OR: [
      { createdAt: { lt: position.createdAt } },
      { createdAt: position.createdAt, id: { lt: position.id } },
    ],
  };
}

/**
 * Lists without paging arguments return at most this many items (newest first where ordered so):
 * every answer has a bounded size, whatever the database holds.
 */
export const MAX_LIST_ITEMS = 500;
