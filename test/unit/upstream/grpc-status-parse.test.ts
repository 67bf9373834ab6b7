import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGrpcStatus } from '../../../src/upstream/grpc-exchange';

test('grpc-status 0..16 is read as that code, leading zeros allowed (1*DIGIT)', () => {
  for (let code = 0; code <= 16; code++) assert.equal(parseGrpcStatus(String(code)), code);
  assert.equal(parseGrpcStatus('05'), 5);
  assert.equal(parseGrpcStatus('0000'), 0);
});

test('a well-formed code the spec does not define is UNKNOWN (2)', () => {
  for (const value of ['17', '99', '4294967296', '9'.repeat(400)]) assert.equal(parseGrpcStatus(value), 2, value);
});

test('a value that is not 1*DIGIT, or sent more than once, is no status at all', () => {
  for (const value of ['', 'abc', '-1', '+1', '0.5', '1.', '0x0', '1e1', ' 5', '5 ', 'NaN', 'Infinity', '٣']) {
    assert.equal(parseGrpcStatus(value), undefined, JSON.stringify(value));
  }
  assert.equal(parseGrpcStatus(['5']), undefined);
  assert.equal(parseGrpcStatus(['5', '5']), undefined);
});
