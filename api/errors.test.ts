import assert from 'node:assert/strict';
import { test } from 'node:test';
import { badUserInput, notFound, withCoercionField } from './errors.js';

test('badUserInput names the field path and value in message and extensions', () => {
  const error = badUserInput('input.alpha', 1.5, 'is not in [0, 1]');
  assert.equal(error.message, 'input.alpha: 1.5 is not in [0, 1]');
  assert.deepEqual(error.extensions, { code: 'BAD_USER_INPUT', field: 'input.alpha', value: 1.5 });
  assert.equal(badUserInput('input.languages[0]', 'EN', 'is bad').message, 'input.languages[0]: "EN" is bad');
});

test('notFound carries the id', () => {
  const error = notFound('run', 'id', 'r1');
  assert.equal(error.extensions.code, 'NOT_FOUND');
  assert.equal(error.extensions.value, 'r1');
  assert.match(error.message, /^id: no run with id "r1"$/);
});

test('variable coercion errors get field and value extensions', () => {
  const enumError = withCoercionField({
    message: 'Variable "$input" got invalid value "FOO" at "input.strategy"; Value "FOO" does not exist in "BatchStrategy" enum.',
    extensions: { code: 'BAD_USER_INPUT' },
  });
  assert.deepEqual(enumError.extensions, { code: 'BAD_USER_INPUT', field: 'input.strategy', value: 'FOO' });
  const intError = withCoercionField({
    message: 'Variable "$input" got invalid value 1.5 at "input.steps"; Int cannot represent non-integer value: 1.5',
    extensions: { code: 'BAD_USER_INPUT' },
  });
  assert.deepEqual(intError.extensions, { code: 'BAD_USER_INPUT', field: 'input.steps', value: 1.5 });
  const whole = withCoercionField({
    message: 'Variable "$id" got invalid value 3; ID cannot represent value',
    extensions: { code: 'BAD_USER_INPUT' },
  });
  assert.equal(whole.extensions?.field, 'id');
  const other = { message: 'boom', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  assert.equal(withCoercionField(other), other);
});
