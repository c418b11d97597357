// Who is calling. Resolved once per HTTP request or WebSocket connection from the bearer key;
// resolvers and the auth checker only read it.

import type { PrismaClient } from '../../prisma/generated/client.js';
import { roleAllows, type Role } from '../../schema/auth.js';
import { hashKey, isRole } from './api-keys.js';

export type Principal =
  /** AUTH off, or embedded on loopback: the caller may do anything, as the one local user. */
  | { kind: 'open' }
  | { kind: 'key'; keyId: string; name: string; role: Role }
  /** Keys are required and none (or an unknown/revoked one) was sent. */
  | { kind: 'anonymous'; reason: 'missing' | 'invalid' };

export function principalRole(principal: Principal): Role | null {
  switch (principal.kind) {
    case 'open':
      return 'admin';
    case 'key':
      return principal.role;
    case 'anonymous':
      return null;
  }
}

export function principalAllows(principal: Principal, needed: Role): boolean {
  const role = principalRole(principal);
  return role !== null && roleAllows(role, needed);
}

/** Recorded on runs and experiments. */
export function principalName(principal: Principal): { createdByKeyId: string | null; createdBy: string | null } {
  switch (principal.kind) {
    case 'key':
      return { createdByKeyId: principal.keyId, createdBy: principal.name };
    case 'open':
      return { createdByKeyId: null, createdBy: 'open' };
    case 'anonymous':
      return { createdByKeyId: null, createdBy: null };
  }
}

/** `Bearer <key>` (any case), or the bare key as graphql-ws connectionParams may carry it. */
export function bearerKey(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const match = /^\s*(?:bearer\s+)?(\S+)\s*$/i.exec(header);
  return match && match[1]!.length <= 200 ? match[1]! : null;
}

export interface Authenticator {
  principalOf(header: unknown): Promise<Principal>;
}

/**
 * `lastUsedAt` is written at most once a minute per key: a search-heavy client must not turn every
 * read into a database write.
 */
export function createAuthenticator(prisma: PrismaClient, mode: 'open' | 'keys', now: () => number = Date.now): Authenticator {
  const lastWrite = new Map<string, number>();
  return {
    async principalOf(header) {
      if (mode === 'open') return { kind: 'open' };
      const secret = bearerKey(header);
      if (secret === null) return { kind: 'anonymous', reason: header === undefined || header === null || header === '' ? 'missing' : 'invalid' };
      const row = await prisma.apiKey.findUnique({ where: { hash: hashKey(secret) } });
      if (!row || row.revokedAt || !isRole(row.role)) return { kind: 'anonymous', reason: 'invalid' };
      const at = now();
      if ((lastWrite.get(row.id) ?? 0) < at - 60_000) {
        lastWrite.set(row.id, at);
        await prisma.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: new Date(at) } });
      }
      return { kind: 'key', keyId: row.id, name: row.name, role: row.role };
    },
  };
}
