// How the gateway asks the workers for what needs a model or the vector store (search, embed,
// model inspection, aliases): a request over the bus (schema/serving.ts). The gateway itself loads
// no model and opens no store. A missing or slow worker is an error for this request only, with a
// code a client can act on; the gateway stays up.

import { GraphQLError } from 'graphql';
import { ServingUnavailableError, type ServingBus } from '../../schema/bus.js';
import type { ServingFailure, ServingReply, ServingRequest } from '../../schema/serving.js';
import { ErrorCode } from '../errors.js';

export interface Workers {
  /** The worker's reply; throws a GraphQL error when no worker answers. */
  ask<R extends ServingRequest>(request: R): Promise<ServingReply<R['kind']>>;
  /** The reply's value, or the failure as an internal error (masked for the client, logged with its id). */
  value<R extends ServingRequest>(request: R): Promise<Extract<ServingReply<R['kind']>, { ok: true }>['value']>;
}

export function createWorkers(serving: ServingBus, timeoutMs: number): Workers {
  async function ask<R extends ServingRequest>(request: R): Promise<ServingReply<R['kind']>> {
    try {
      return await serving.request(request, { timeoutMs });
    } catch (error) {
      if (!(error instanceof ServingUnavailableError)) throw error;
      switch (error.reason) {
        case 'no-worker':
          throw new GraphQLError('no worker is serving queries; start one (npm run start:worker) or retry shortly', {
            extensions: { code: ErrorCode.WORKER_UNAVAILABLE, retryAfterMs: 1000 },
          });
        case 'timeout':
          throw new GraphQLError(`no worker answered within ${timeoutMs} ms (SERVING_TIMEOUT_MS)`, { extensions: { code: ErrorCode.WORKER_TIMEOUT } });
      }
    }
  }
  return {
    ask,
    async value(request) {
      const reply = await ask(request);
      if (reply.ok) return reply.value as never;
      throw workerFailure(reply.failure);
    },
  };
}

/** Unexpected failures: the formatter masks plain errors and logs them under an error id. */
export function workerFailure(failure: ServingFailure): Error {
  return new Error(`worker failed: ${failure.kind}${failure.kind === 'store' ? ` (${failure.storeKind})` : ''}: ${failure.message}`);
}
