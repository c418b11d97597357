// Every GraphQL example in README.md is valid against the gateway's schema (the SDL the schema
// test keeps in step with the resolvers): a user pasting one gets an answer, not a syntax error.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Kind, buildSchema, parse, print, validate } from 'graphql';
import { repoRoot } from './support/platform.js';

test('README GraphQL examples validate against the schema', async () => {
  const readme = await fs.readFile(path.join(repoRoot, 'README.md'), 'utf8');
  const schema = buildSchema(await fs.readFile(path.join(repoRoot, 'schema', 'graphql', 'schema.graphql'), 'utf8'));
  const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]!);
  assert.ok(blocks.some((b) => b.includes('startSweep')), 'the sweep example is there');
  // A block may list several operations a user runs one after another: each is checked alone.
  for (const block of blocks) {
    for (const operation of parse(block).definitions) {
      const errors = validate(schema, { kind: Kind.DOCUMENT, definitions: [operation] });
      assert.deepEqual(errors.map((e) => e.message), [], print(operation));
    }
  }
});
