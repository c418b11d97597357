import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { SCHEMA_FILE, printGatewaySchema } from './schema.js';

test('schema/graphql/schema.graphql matches the code (run `node dist/api/emit-schema.js` after a change)', async () => {
  const committed = await readFile(SCHEMA_FILE, 'utf8');
  assert.equal(committed, printGatewaySchema());
});
