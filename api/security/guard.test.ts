import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GraphQLField, GraphQLObjectType, GraphQLResolveInfo } from 'graphql';
import { createGatewayPubSub } from '../pubsub.js';
import { buildGatewaySchema } from '../schema.js';
import { nulBytePath } from './guard.js';

test('nulBytePath names the first string with a NUL, however deep', () => {
  assert.equal(nulBytePath({ input: { text: 'ok', languages: ['en', 'd\u0000e'] } }, ''), 'input.languages[1]');
  assert.equal(nulBytePath({ input: { text: 'fine' } }, ''), null);
});

test('every root field of the schema passes through the guard, after the auth check', async () => {
  const schema = buildGatewaySchema(createGatewayPubSub());
  const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter((t): t is GraphQLObjectType => t != null);
  let checked = 0;
  for (const type of roots) {
    for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
      const info = { parentType: type, fieldName: field.name, path: { key: field.name } } as unknown as GraphQLResolveInfo;
      const call = (principal: unknown) =>
        Promise.resolve().then(() => field.resolve!(undefined, { probe: 'a\u0000b' }, { principal, services: {}, clientAddress: 'test' }, info));
      // Open: the guard refuses the NUL before the resolver runs (services is empty: it would throw otherwise).
      await assert.rejects(call({ kind: 'open' }), (error: { extensions?: { code?: string; field?: string } }) => {
        assert.equal(error.extensions?.code, 'BAD_USER_INPUT', `${type.name}.${field.name}: ${String(error)}`);
        assert.equal(error.extensions?.field, 'probe');
        return true;
      });
      // Without a key the auth check answers first.
      await assert.rejects(call({ kind: 'anonymous', reason: 'missing' }), (error: { extensions?: { code?: string } }) => error.extensions?.code === 'UNAUTHENTICATED');
      checked++;
    }
  }
  assert.ok(checked > 25, `${checked} root fields`);
});
