// What the gateway enforces, as plain data: built by config.ts from the environment, by tests
// directly.

import type { Role } from '../../schema/auth.js';
import type { TrainingCaps } from '../../schema/training-validation.js';
import type { OperationLimits } from './limits.js';

export type AuthMode = 'open' | 'keys';

export interface WebSocketLimits {
  /** Origins allowed to open a WebSocket; empty: only the gateway's own origin (and clients that send none). */
  allowedOrigins: string[];
  maxSubscriptionsPerConnection: number;
  maxSubscriptionsPerKey: number;
  /** A connection with no subscription and no message for this long is closed. */
  idleTimeoutMs: number;
  maxMessageBytes: number;
}

export interface RateLimits {
  /** Mutations per minute per key (per client address in open mode). */
  mutationsPerMinute: number;
  /** Searches per minute per key; a searchBatch counts each of its inputs, embed each text / 16. */
  searchesPerMinute: number;
  /** Runs QUEUED or RUNNING at once per key, by role. */
  activeRunsPerKey: Record<Exclude<Role, 'reader'>, number>;
}

export interface SecuritySettings {
  auth: AuthMode;
  /** Why the mode was chosen, printed at start. */
  authReason: string;
  /** Printed at start when the mode is risky (AUTH=off beyond loopback). */
  authWarning?: string;
  /** NODE_ENV=development: stack traces in responses. */
  development: boolean;
  introspection: boolean;
  maxBodyBytes: number;
  operations: OperationLimits;
  rate: RateLimits;
  /** What one run may cost, by role (parameters, steps, batch size, checkpoint disk). */
  trainingCaps: Record<Exclude<Role, 'reader'>, TrainingCaps>;
  webSocket: WebSocketLimits;
}
