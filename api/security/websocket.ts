// graphql-ws with the gateway's rules: an Origin allow-list at the upgrade (browsers send their
// page's origin; cross-site pages must not reach the API with the user's network position), the
// key in connectionParams, subscription caps per connection and per key, an idle timeout, a
// message size limit, and the same operation limits and error formatting as HTTP.

import type http from 'node:http';
import {
  type ExecutionArgs,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Authenticator, Principal } from '../auth/principal.js';
import type { ApiContext, GatewayServices } from '../context.js';
import { operationName } from '../observability/metrics.js';
import { ErrorCode } from '../errors.js';
import { checkComplexity, operationRules } from './limits.js';
import type { SecuritySettings } from './settings.js';

interface ConnectionState {
  principal?: Principal;
  /** Subscription id -> its root field (the metrics' label). */
  subscriptions: Map<string, string>;
  idleTimer?: NodeJS.Timeout;
}

type Formatter = (formatted: GraphQLFormattedError, error?: unknown) => GraphQLFormattedError;

/** Same origin: the Origin's host equals the Host the browser connected to. */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true; // not a browser: browsers always send Origin on WebSocket upgrades
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  if (allowed.length > 0) return false;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

export interface WebSocketGateway {
  dispose(): Promise<void>;
  close(): Promise<void>;
}

export function serveWebSocket(options: {
  server: http.Server;
  path: string;
  schema: GraphQLSchema;
  services: GatewayServices;
  authenticator: Authenticator;
  security: SecuritySettings;
  formatError: Formatter;
}): WebSocketGateway {
  const { schema, services, authenticator, security, formatError } = options;
  const limits = security.webSocket;
  const perKey = new Map<string, number>();
  const states = new WeakMap<WebSocket, ConnectionState>();
  const rules = [...specifiedRules, ...operationRules(security.operations, security.introspection)];

  const wsServer = new WebSocketServer({
    server: options.server,
    path: options.path,
    maxPayload: limits.maxMessageBytes,
    verifyClient: ({ origin, req }: { origin?: string; req: http.IncomingMessage }) => originAllowed(origin || undefined, req.headers.host, limits.allowedOrigins),
  });

  const stateOf = (socket: WebSocket): ConnectionState => {
    let state = states.get(socket);
    if (!state) {
      state = { subscriptions: new Map() };
      states.set(socket, state);
    }
    return state;
  };
  const keyOf = (state: ConnectionState) => (state.principal?.kind === 'key' ? state.principal.keyId : null);
  const touch = (socket: WebSocket) => {
    const state = stateOf(socket);
    clearTimeout(state.idleTimer);
    if (state.subscriptions.size > 0) return;
    state.idleTimer = setTimeout(() => socket.close(4408, 'idle'), limits.idleTimeoutMs);
    state.idleTimer.unref();
  };
  const release = (state: ConnectionState, id: string) => {
    const field = state.subscriptions.get(id);
    if (field === undefined) return;
    state.subscriptions.delete(id);
    services.metrics.subscriptionEnded(field);
    const key = keyOf(state);
    if (key) perKey.set(key, Math.max(0, (perKey.get(key) ?? 1) - 1));
  };
  wsServer.on('connection', (socket) => {
    touch(socket);
    socket.on('message', () => touch(socket));
  });

  const fail = (message: string, code: ErrorCode, extensions: Record<string, unknown> = {}) => [new GraphQLError(message, { extensions: { code, ...extensions } })];

  const disposable = useServer<Record<string, unknown> | undefined, { socket: WebSocket; request: http.IncomingMessage }>(
    {
      schema,
      // The server closes an unacknowledged connection after this, so a silent socket cannot sit in the init phase.
      connectionInitWaitTimeout: 5_000,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const header = params.authorization ?? params.Authorization ?? ctx.extra.request.headers.authorization;
        const principal = await authenticator.principalOf(header);
        if (principal.kind === 'anonymous') return false; // 4403 Forbidden
        stateOf(ctx.extra.socket).principal = principal;
        return true;
      },
      onSubscribe: (ctx, id, payload): ExecutionArgs | readonly GraphQLError[] => {
        const state = stateOf(ctx.extra.socket);
        if (state.subscriptions.size >= limits.maxSubscriptionsPerConnection) {
          return fail(`at most ${limits.maxSubscriptionsPerConnection} subscriptions per connection`, ErrorCode.RATE_LIMITED);
        }
        const key = keyOf(state);
        if (key && (perKey.get(key) ?? 0) >= limits.maxSubscriptionsPerKey) {
          return fail(`at most ${limits.maxSubscriptionsPerKey} subscriptions per API key`, ErrorCode.RATE_LIMITED);
        }
        let document;
        try {
          document = parse(payload.query, { maxTokens: security.operations.maxTokens });
        } catch (error) {
          return fail((error as Error).message, 'GRAPHQL_PARSE_FAILED' as ErrorCode);
        }
        let errors: readonly GraphQLError[];
        try {
          errors = validate(schema, document, rules);
        } catch (error) {
          // Armor's rules throw their refusal (propagateOnRejection) instead of reporting it.
          errors = [error instanceof GraphQLError ? error : new GraphQLError('operation refused')];
        }
        if (errors.length > 0) return errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
        const variables = (payload.variables ?? undefined) as Record<string, unknown> | undefined;
        const tooComplex = checkComplexity(schema, document, variables, payload.operationName ?? undefined, security.operations);
        if (tooComplex) return [tooComplex];
        if (!getOperationAST(document, payload.operationName)) return fail('no operation to run', 'BAD_REQUEST' as ErrorCode);
        const field = operationName(document, payload.operationName).operation;
        state.subscriptions.set(id, field);
        services.metrics.subscriptionStarted(field);
        clearTimeout(state.idleTimer);
        if (key) perKey.set(key, (perKey.get(key) ?? 0) + 1);
        return {
          schema,
          document,
          variableValues: variables,
          operationName: payload.operationName,
          // Set here, so graphql-ws's own `context` option is never consulted.
          contextValue: {
            services,
            principal: state.principal ?? { kind: 'anonymous', reason: 'missing' },
            clientAddress: ctx.extra.request.socket.remoteAddress ?? 'unknown',
          } satisfies ApiContext,
        };
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) } : undefined,
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(e.toJSON(), e)),
      onComplete: (ctx, id) => {
        release(stateOf(ctx.extra.socket), id);
        touch(ctx.extra.socket);
      },
      onClose: (ctx) => {
        const state = stateOf(ctx.extra.socket);
        clearTimeout(state.idleTimer);
        for (const id of [...state.subscriptions.keys()]) release(state, id);
      },
    },
    wsServer,
  );

  return {
    dispose: () => disposable.dispose() as Promise<void>,
    close: () => new Promise<void>((resolve) => wsServer.close(() => resolve())),
  };
}
