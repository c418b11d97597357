// Runs before every root field: refuses strings Postgres cannot store (NUL) with the field that
// carried them, and charges the caller's rate budget for mutations and searches. Nested fields
// pass straight through.

import type { MiddlewareFn } from 'type-graphql';
import type { ApiContext } from '../context.js';
import { badUserInput } from '../errors.js';
import type { Budget } from './rate-limit.js';

const ROOTS = new Set(['Query', 'Mutation', 'Subscription']);

/** What a root query costs in searches; other queries are not rate limited (complexity bounds them). */
const SEARCH_COST: Record<string, (args: Record<string, unknown>) => number> = {
  search: () => 1,
  searchBatch: (args) => (Array.isArray(args.inputs) ? args.inputs.length : 1),
  compareCollections: (args) => (Array.isArray(args.collections) ? args.collections.length : 1),
  embed: (args) => (Array.isArray(args.texts) ? Math.ceil(args.texts.length / 16) : 1),
};

/** The first string holding a NUL character, as a field path. */
export function nulBytePath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulBytePath(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = nulBytePath(item, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return null;
}

export const guardRootFields: MiddlewareFn<ApiContext> = async ({ args, info, context }, next) => {
  const parent = info.parentType.name;
  if (!ROOTS.has(parent)) return next();
  const nul = nulBytePath(args, '');
  if (nul) throw badUserInput(nul, '(text with a NUL character)', 'contains a NUL character (\\u0000), which text fields cannot hold');
  let budget: Budget | null = null;
  let points = 1;
  if (parent === 'Mutation') budget = 'mutation';
  else if (parent === 'Query' && info.fieldName in SEARCH_COST) {
    budget = 'search';
    points = SEARCH_COST[info.fieldName]!(args);
  }
  if (budget) await context.services.rateLimiter.consume(budget, callerId(context), points);
  return next();
};

function callerId(context: ApiContext): string {
  return context.principal.kind === 'key' ? `key:${context.principal.keyId}` : `addr:${context.clientAddress}`;
}
