// What both bus implementations do around a serving handler: a handler that throws still gets an
// answer out (an internal failure), so a requester never waits for a timeout because of a bug.

import type { ServingReply, ServingRequest } from '../serving.js';

export type ServingHandler = (request: ServingRequest) => Promise<ServingReply>;

export async function answer(handler: ServingHandler, request: ServingRequest): Promise<ServingReply> {
  try {
    return await handler(request);
  } catch (error) {
    return { ok: false, failure: { kind: 'internal', message: error instanceof Error ? error.message : String(error) } };
  }
}
