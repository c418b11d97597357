// A delivery's hold on its job. A worker cut off from the cluster keeps training until its
// heartbeat tells it another worker took the job over; writes it had in flight, or makes before it
// learns, would land after the new worker's and mix two runs' state (metric points for steps the
// new worker has not reached, checkpoint rows pointing at files on the old worker's disk). Each
// write runs in a transaction that first locks the Job row FOR SHARE if it is still RUNNING under
// this delivery's attempt: a takeover (status.start, which updates that row) waits for the write,
// and every write after it finds the row changed and is refused. A worker cut off in the middle of
// such a transaction would leave the lock to a session the server thinks idle (TCP notices a dead
// peer after hours), so on Postgres the transaction tells the server to end it once idle for half
// an ack wait: the takeover comes an ack wait after the last heartbeat, so the lock is gone by
// then, while a busy event loop (synchronous tensor work in another slot) has seconds to spare.

import { Prisma, type PrismaClient } from '../../prisma/generated/client.js';

export class LeaseLostError extends Error {
  constructor(what: string, at: number) {
    super(`${what} (${at}): this delivery no longer holds the job (another worker took it over); nothing written`);
    this.name = 'LeaseLostError';
  }
}

export type Writer = Prisma.TransactionClient;

export interface LeaseOptions {
  /** Postgres ends a lease transaction idle this long; null: not set (the embedded database has one session, no one to block). */
  idleTimeoutMs: number | null;
}

/** The transaction's own limits: waiting for a connection (PGlite serialises everything) and running. */
const TRANSACTION_LIMITS = { maxWait: 30_000, timeout: 60_000 };

export interface Lease {
  /** Runs the writes while the job is still this delivery's; throws LeaseLostError when it is not. */
  write<T>(fn: (tx: Writer) => Promise<T>): Promise<T>;
  /** Whether the job is still this delivery's (before work whose result only a holder may keep, e.g. files). */
  held(): Promise<boolean>;
}

export function createLease(prisma: PrismaClient, jobId: string, attempt: number, options: LeaseOptions): Lease {
  const lock = (tx: Writer) => tx.$queryRaw<unknown[]>`SELECT 1 FROM "Job" WHERE id = ${jobId} AND status = 'RUNNING' AND attempts = ${attempt} FOR SHARE`;
  return {
    write: (fn) =>
      prisma.$transaction(async (tx) => {
        if (options.idleTimeoutMs !== null) await tx.$executeRawUnsafe(`SET LOCAL idle_in_transaction_session_timeout = ${Math.max(1000, Math.round(options.idleTimeoutMs))}`);
        if ((await lock(tx)).length === 0) throw new LeaseLostError(`job ${jobId}, delivery`, attempt);
        return fn(tx);
      }, TRANSACTION_LIMITS),
    held: async () => (await prisma.job.count({ where: { id: jobId, status: 'RUNNING', attempts: attempt } })) === 1,
  };
}
