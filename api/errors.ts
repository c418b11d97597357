// Error codes of the gateway. Input problems always name the offending field path and value, so
// a client can show the message next to the field without parsing it.

import { GraphQLError, type GraphQLFormattedError } from 'graphql';

export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

export function formatValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? String(value);
}

/**
 * `field: value problem`, e.g. badUserInput('input.alpha', 1.5, 'is not in [0, 1]'). `details` adds
 * extensions (never code, field or value).
 */
export function badUserInput(field: string, value: unknown, problem: string, details: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(`${field}: ${formatValue(value)} ${problem}`, {
    extensions: { ...details, code: ErrorCode.BAD_USER_INPUT, field, value: value ?? null },
  });
}

export function notFound(what: string, field: string, id: string): GraphQLError {
  return new GraphQLError(`${field}: no ${what} with id ${JSON.stringify(id)}`, {
    extensions: { code: ErrorCode.NOT_FOUND, field, value: id },
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
  const [, variable, rawValue = '', path] = match;
  return { ...formatted, extensions: { ...extensions, field: path ?? variable, value: parseLoose(rawValue) } };
}

function parseLoose(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
