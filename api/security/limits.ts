// Bounded cost per operation, the same over HTTP and WebSocket: token, depth, alias and directive
// limits from GraphQL Armor (validation rules, so nothing runs for a refused operation), and a
// list-aware complexity from graphql-query-complexity, which needs the variables and so runs once
// the operation is resolved. Why both: depth alone lets `runs(first: 100) { ... experiment { runs`
// fan out a hundredfold per level; complexity alone lets a 50-deep query past with small lists.

import { ApolloArmor } from '@escape.tech/graphql-armor';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type { ApolloServerPlugin } from '@apollo/server';
import {
  type DocumentNode,
  getNullableType,
  GraphQLError,
  type GraphQLSchema,
  isListType,
  NoSchemaIntrospectionCustomRule,
  type ValidationRule,
} from 'graphql';
import { fieldExtensionsEstimator, getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { ErrorCode } from '../errors.js';

export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  /** Estimated fields resolved, lists counted at their requested or assumed size. */
  maxComplexity: number;
  /** Assumed length of a list field without a `first`-style argument. */
  assumedListSize: number;
}

export const DEFAULT_OPERATION_LIMITS: OperationLimits = {
  maxDepth: 10,
  maxAliases: 15,
  maxTokens: 2_000,
  maxDirectives: 20,
  maxComplexity: 20_000,
  assumedListSize: 20,
};

/** The list length an argument asks for: `first`, `k`, or the length of a list argument. */
function requestedSize(args: Record<string, unknown>): number | undefined {
  for (const name of ['first', 'k']) {
    if (typeof args[name] === 'number') return Math.max(1, args[name] as number);
  }
  for (const name of ['inputs', 'texts', 'collections']) {
    if (Array.isArray(args[name])) return Math.max(1, (args[name] as unknown[]).length);
  }
  return undefined;
}

function listAwareEstimator(assumedListSize: number): ComplexityEstimator {
  return ({ field, args, childComplexity }) => {
    const type = getNullableType(field.type);
    const own = 1;
    if (!isListType(type)) return own + childComplexity;
    // A list of scalars (vectors, matrix rows) costs its length, not one field per item.
    const size = requestedSize(args) ?? assumedListSize;
    return own + size * Math.max(1, childComplexity);
  };
}

export function operationComplexity(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined, operationName: string | undefined, limits: OperationLimits): number {
  return getComplexity({
    schema,
    query: document,
    variables: variables ?? {},
    ...(operationName ? { operationName } : {}),
    estimators: [fieldExtensionsEstimator(), listAwareEstimator(limits.assumedListSize)],
  });
}

export function complexityError(actual: number, max: number): GraphQLError {
  return new GraphQLError(`operation complexity ${actual} exceeds the limit of ${max}: ask for fewer items (first), fewer fields or less nesting`, {
    extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, complexity: actual, maxComplexity: max },
  });
}

/** Returns the error to answer with, or null when within limits. */
export function checkComplexity(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined, operationName: string | undefined, limits: OperationLimits): GraphQLError | null {
  let actual: number;
  try {
    actual = operationComplexity(schema, document, variables, operationName, limits);
  } catch {
    // Variables that do not coerce: execution refuses the operation with field and value before any resolver runs.
    return null;
  }
  return actual > limits.maxComplexity ? complexityError(actual, limits.maxComplexity) : null;
}

/** Validation rules for graphql-ws, where Apollo's plugins do not run. */
export function operationRules(limits: OperationLimits, introspection: boolean): ValidationRule[] {
  return [
    maxDepthRule({ n: limits.maxDepth }),
    maxAliasesRule({ n: limits.maxAliases }),
    maxDirectivesRule({ n: limits.maxDirectives }),
    ...(introspection ? [] : [NoSchemaIntrospectionCustomRule]),
  ] as ValidationRule[];
}

/** Apollo's share: Armor's plugins and rules, introspection, and the complexity check. */
export function apolloLimits(limits: OperationLimits, introspection: boolean): { plugins: ApolloServerPlugin[]; validationRules: ValidationRule[] } {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth },
    maxAliases: { n: limits.maxAliases },
    // Tokens are counted by the parser itself (ApolloServer parseOptions.maxTokens): Armor's plugin
    // turns its refusal into an HTTP 500.
    maxTokens: { enabled: false },
    maxDirectives: { n: limits.maxDirectives },
    // Complexity is ours (list-aware, below); Armor's cost limit does not know list sizes.
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: !introspection },
  }).protect();
  const complexity: ApolloServerPlugin = {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema }) {
          const error = checkComplexity(schema, document, request.variables, request.operationName ?? undefined, limits);
          // A refused operation is the client's problem: HTTP 400, as for other validation failures.
          if (error) throw new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 400 } } });
        },
      };
    },
  };
  return {
    plugins: [...(armor.plugins as ApolloServerPlugin[]), complexity],
    validationRules: [...(armor.validationRules as ValidationRule[]), ...(introspection ? [] : [NoSchemaIntrospectionCustomRule])],
  };
}
