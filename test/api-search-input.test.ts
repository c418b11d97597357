// search, searchBatch and compareCollections refuse malformed language arguments and oversized
// texts through GraphQL with BAD_USER_INPUT naming the field, before any collection is looked up
// (none exists here: a checked input would fail on its collection name instead).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGateway, type TestGateway } from '../api/testing.js';

const SEARCH = `query($input: SearchInput!) { search(input: $input) { collection } }`;
const BATCH = `query($inputs: [SearchInput!]!) { searchBatch(inputs: $inputs) { collection } }`;
const COMPARE = `query($text: String!, $queryLanguage: String, $languages: [String!]) {
  compareCollections(text: $text, collections: ["a", "b"], queryLanguage: $queryLanguage, languages: $languages) { collection } }`;

let gateway: TestGateway;
before(async () => {
  gateway = await startTestGateway();
});
after(() => gateway.close());

async function refusal(query: string, variables: Record<string, unknown>) {
  const { data, errors } = await gateway.request(query, variables);
  assert.equal(data ?? null, null);
  assert.equal(errors?.length, 1, JSON.stringify(errors));
  const [error] = errors!;
  assert.equal(error!.extensions?.code, 'BAD_USER_INPUT', error!.message);
  return { field: error!.extensions?.field, value: error!.extensions?.value, message: error!.message };
}

const input = (extra: Record<string, unknown>) => ({ text: 'Where does the river flow?', collection: 'none', ...extra });

test('search: queryLanguage and each of languages must be distinct lowercase ISO 639-1 codes, at most 32', async () => {
  assert.deepEqual(await refusal(SEARCH, { input: input({ queryLanguage: 'EN' }) }), {
    field: 'input.queryLanguage', value: 'EN', message: 'input.queryLanguage: "EN" is not a lowercase ISO 639-1 code such as "en" or "zh"',
  });
  assert.equal((await refusal(SEARCH, { input: input({ languages: ['en', 'de', 'german'] }) })).field, 'input.languages[2]');
  assert.deepEqual(await refusal(SEARCH, { input: input({ languages: ['en', 'de', 'en'] }) }), {
    field: 'input.languages[2]', value: 'en', message: 'input.languages[2]: "en" is listed twice',
  });
  const many = await refusal(SEARCH, { input: input({ languages: Array.from({ length: 33 }, (_, i) => `l${i}`) }) });
  assert.equal(many.field, 'input.languages');
  assert.match(many.message, /at most 32/);
});

test('search: a text over 2,000 characters is refused, echoing only a clip of it', async () => {
  const text = 'river '.repeat(1_000);
  const { field, value, message } = await refusal(SEARCH, { input: input({ text }) });
  assert.equal(field, 'input.text');
  assert.equal(value, `${text.slice(0, 40)}…`);
  assert.ok(message.length < 200, message);
  assert.match(message, /is 6000 characters long; at most 2000/);
});

test('searchBatch names the item; compareCollections names its argument', async () => {
  const inputs = [input({}), input({}), input({}), input({ queryLanguage: 'xx' })];
  assert.equal((await refusal(BATCH, { inputs })).field, 'inputs[3].queryLanguage');
  assert.equal((await refusal(BATCH, { inputs: [input({}), input({ languages: ['zh', 'ZH'] })] })).field, 'inputs[1].languages[1]');
  assert.equal((await refusal(COMPARE, { text: 'river', queryLanguage: 'eng' })).field, 'queryLanguage');
  assert.equal((await refusal(COMPARE, { text: 'river', languages: ['de', 'de'] })).field, 'languages[1]');
  assert.equal((await refusal(COMPARE, { text: 'x'.repeat(2_001) })).field, 'text');
});

test('valid options get as far as the collection lookup', async () => {
  const { field } = await refusal(SEARCH, { input: input({ queryLanguage: 'de', languages: ['de', 'en'], text: 'x'.repeat(2_000) }) });
  assert.equal(field, 'input.collection');
});
