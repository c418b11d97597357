// API keys: created with 256 random bits, shown once, stored as SHA-256 (a slow password hash adds
// nothing for secrets this long, and lookups stay one indexed read). Used by the admin mutations
// and by `npm run keys`.

import { createHash, randomBytes } from 'node:crypto';
import type { ApiKey as ApiKeyRow, PrismaClient } from '../../prisma/generated/client.js';
import { ROLES, type Role } from '../../schema/auth.js';

/** The prefix lets secret scanners and people recognise a key. */
const KEY_PREFIX = 'xlk_';
export const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

export function hashKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export interface CreatedKey {
  row: ApiKeyRow;
  /** The only time the secret exists outside the caller's hands. */
  secret: string;
}

export type KeyProblem = { field: 'name' | 'role'; problem: string };

export function keyInputProblem(name: string, role: string): KeyProblem | null {
  if (!KEY_NAME.test(name)) return { field: 'name', problem: `must match ${KEY_NAME.source}` };
  if (!isRole(role)) return { field: 'role', problem: `is not one of ${ROLES.join(', ')}` };
  return null;
}

export async function createApiKey(prisma: PrismaClient, name: string, role: Role): Promise<CreatedKey> {
  const secret = KEY_PREFIX + randomBytes(32).toString('base64url');
  const row = await prisma.apiKey.create({ data: { name, role, hash: hashKey(secret) } });
  return { row, secret };
}

/** Revokes by id or name; returns the row, or null when no key matches. Revoking twice keeps the first time. */
export async function revokeApiKey(prisma: PrismaClient, idOrName: string): Promise<ApiKeyRow | null> {
  const row = await prisma.apiKey.findFirst({ where: { OR: [{ id: idOrName }, { name: idOrName }] } });
  if (!row) return null;
  if (row.revokedAt) return row;
  return prisma.apiKey.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
}

export function listApiKeys(prisma: PrismaClient): Promise<ApiKeyRow[]> {
  return prisma.apiKey.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: 1000 });
}
