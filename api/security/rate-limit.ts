// Per-key request budgets (per client address when the gateway runs open), from
// rate-limiter-flexible. In memory per gateway: N gateways behind a balancer allow up to N times
// the budget, which bounds cost per gateway, the thing a limit here is for.

import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { rateLimited } from '../errors.js';
import type { RateLimits } from './settings.js';

export type Budget = 'mutation' | 'search';

export interface RateLimiter {
  /** Throws RATE_LIMITED when `who` has spent its budget. */
  consume(budget: Budget, who: string, points?: number): Promise<void>;
}

export function createRateLimiter(limits: RateLimits): RateLimiter {
  const limiters: Record<Budget, RateLimiterMemory> = {
    mutation: new RateLimiterMemory({ points: limits.mutationsPerMinute, duration: 60 }),
    search: new RateLimiterMemory({ points: limits.searchesPerMinute, duration: 60 }),
  };
  const perMinute: Record<Budget, number> = { mutation: limits.mutationsPerMinute, search: limits.searchesPerMinute };
  return {
    async consume(budget, who, points = 1) {
      try {
        await limiters[budget].consume(who, Math.max(1, Math.ceil(points)));
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        throw rateLimited(`rate limit: at most ${perMinute[budget]} ${budget === 'mutation' ? 'mutations' : 'searches'} per minute; retry in ${Math.ceil(error.msBeforeNext / 1000)} s`, error.msBeforeNext);
      }
    },
  };
}
