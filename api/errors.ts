// Error codes of the gateway, and the one formatter every error leaves through (HTTP and
// WebSocket). Input problems always name the offending field path and value, so a client can show
// the message next to the field without parsing it. Anything not raised on purpose is masked: the
// client gets INTERNAL_SERVER_ERROR and an error id, the log gets the error under that id.

import { randomUUID } from 'node:crypto';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  /** No key, or an unknown or revoked one. */
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  /** The key's role does not allow the operation, or the object belongs to another key. */
  FORBIDDEN = 'FORBIDDEN',
  /** Rate limit or per-key quota; extensions.retryAfterMs when waiting helps. */
  RATE_LIMITED = 'RATE_LIMITED',
  /** Depth, alias, token or complexity limit of one operation. */
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
  /** The HTTP request itself is unusable: malformed JSON, too large, wrong content type. */
  BAD_REQUEST = 'BAD_REQUEST',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  /** No worker serves queries (none running, or none reachable); retrying later helps. */
  WORKER_UNAVAILABLE = 'WORKER_UNAVAILABLE',
  /** A worker took the request but did not answer in time (SERVING_TIMEOUT_MS). */
  WORKER_TIMEOUT = 'WORKER_TIMEOUT',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

/** Codes graphql-js and Apollo raise themselves for malformed operations; their messages are about the operation only. */
const OPERATION_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);
const OWN_CODES = new Set<string>(Object.values(ErrorCode).filter((code) => code !== ErrorCode.INTERNAL_SERVER_ERROR));

/** Values echoed in messages and extensions are cut here: a 500 KB input must not come back whole. */
export const MAX_ECHO = 200;

function clipText(text: string): string {
  return text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO - 3)}...` : text;
}

export function formatValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return clipText(JSON.stringify(value) ?? String(value));
}

function echoValue(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return clipText(value);
  const json = JSON.stringify(value);
  return json !== undefined && json.length <= MAX_ECHO ? value : formatValue(value);
}

/**
 * `field: value problem`, e.g. badUserInput('input.alpha', 1.5, 'is not in [0, 1]'). `details` adds
 * extensions (never code, field or value).
 */
export function badUserInput(field: string, value: unknown, problem: string, details: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(`${field}: ${formatValue(value)} ${problem}`, {
    extensions: { ...details, code: ErrorCode.BAD_USER_INPUT, field, value: echoValue(value) },
  });
}

export function notFound(what: string, field: string, id: string): GraphQLError {
  return new GraphQLError(`${field}: no ${what} with id ${formatValue(id)}`, {
    extensions: { code: ErrorCode.NOT_FOUND, field, value: echoValue(id) },
  });
}

export function unauthenticated(message = 'an API key is required: send it as "Authorization: Bearer <key>" (HTTP) or connectionParams.authorization (WebSocket)'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED } });
}

export function forbidden(message: string, field?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN, ...(field ? { field } : {}) } });
}

export function rateLimited(message: string, retryAfterMs: number, field?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.RATE_LIMITED, retryAfterMs: Math.max(0, Math.ceil(retryAfterMs)), ...(field ? { field } : {}) },
  });
}

export function isBadUserInput(error: unknown): error is GraphQLError {
  return error instanceof GraphQLError && error.extensions.code === ErrorCode.BAD_USER_INPUT;
}

const COERCION = /^Variable "\$(\w+)" got invalid value (.*?)(?: at "([^"]+)")?; /;

/**
 * Variable coercion errors (an unknown enum value, a string for an Int) are raised by graphql-js
 * before any resolver runs; Apollo already codes them BAD_USER_INPUT. This adds the same
 * `field`/`value` extensions our own checks produce, parsed from graphql-js's message.
 */
export function withCoercionField(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const extensions = formatted.extensions ?? {};
  if (extensions.code !== ErrorCode.BAD_USER_INPUT || 'field' in extensions) return formatted;
  const match = COERCION.exec(formatted.message);
  if (!match) return formatted;
  const [whole, variable, rawValue = '', path] = match;
  const value = parseLoose(rawValue);
  // graphql-js quotes the whole value, twice for some types: keep its wording, bound its size.
  const reason = clipText(formatted.message.slice(whole.length));
  const message = `Variable "$${variable}" got invalid value ${formatValue(value)}${path ? ` at "${path}"` : ''}; ${reason}`;
  return { ...formatted, message, extensions: { ...extensions, field: path ?? variable, value: echoValue(value) } };
}

function parseLoose(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export interface ErrorFormatterOptions {
  /** NODE_ENV=development: stack traces and unmasked messages go to the client too. */
  development: boolean;
  log: (line: string) => void;
}

/**
 * The one exit of every error. Known codes pass with their message (clipped) and extensions
 * (stack trace removed); everything else, including type-graphql's auth errors under their
 * own code names, is mapped to a code of ErrorCode or masked with an error id.
 */
export function createErrorFormatter(options: ErrorFormatterOptions) {
  return (formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError => {
    const { stacktrace, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
    const code = typeof extensions.code === 'string' ? extensions.code : undefined;
    const base = { ...(formatted.locations ? { locations: formatted.locations } : {}), ...(formatted.path ? { path: formatted.path } : {}) };
    const dev = options.development && stacktrace !== undefined ? { stacktrace } : {};
    if (code === 'UNAUTHORIZED') {
      return { ...base, message: 'the API key\'s role does not allow this operation', extensions: { code: ErrorCode.FORBIDDEN, field: fieldOf(formatted), ...dev } };
    }
    if (formatted.message.startsWith('Too many errors processing variables')) {
      // graphql-js stops coercing variables after 50 errors and says so without a code.
      return { ...base, message: formatted.message, extensions: { code: ErrorCode.BAD_USER_INPUT, ...dev } };
    }
    if (code !== undefined && (OWN_CODES.has(code) || OPERATION_CODES.has(code))) {
      const coded = withCoercionField({ ...base, message: clipMessage(formatted.message), extensions: { ...extensions } });
      return { ...coded, extensions: { ...coded.extensions, ...dev } };
    }
    const id = randomUUID();
    const original = unwrap(error);
    options.log(`error ${id}: ${original instanceof Error ? (original.stack ?? original.message) : String(original ?? formatted.message)}`);
    return {
      ...base,
      message: options.development ? clipMessage(formatted.message) : `internal error; quote error id ${id} to the operator`,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, errorId: id, ...dev },
    };
  };
}

function fieldOf(formatted: GraphQLFormattedError): string | undefined {
  const last = formatted.path?.at(-1);
  return last === undefined ? undefined : String(last);
}

/** Messages quote values; a message of our own is short unless a value made it long. */
function clipMessage(message: string): string {
  return message.length > 4 * MAX_ECHO ? `${message.slice(0, 4 * MAX_ECHO - 3)}...` : message;
}

function unwrap(error: unknown): unknown {
  let current = error;
  while (current instanceof GraphQLError && current.originalError && current.originalError !== current) current = current.originalError;
  return current;
}
