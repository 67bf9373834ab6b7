import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DurationSyntaxError, parseDuration } from '../../../src/config/duration';

test('parseDuration: Go duration syntax to milliseconds', () => {
  const cases: [string, number][] = [
    ['15s', 15000],
    ['500ms', 500],
    ['1m30s', 90000],
    ['2.5s', 2500],
    ['1h', 3600000],
    ['300us', 0.3],
    ['300\u00b5s', 0.3], // micro sign, what Go prints
    ['300\u03bcs', 0.3], // Greek mu, also accepted by Go
    ['10ns', 0.00001],
    ['0', 0],
    ['+0', 0],
    ['-0', 0],
    ['-1s', -1000],
    ['+5s', 5000],
    ['.5s', 500],
    ['1.s', 1000],
    ['1h2m3s4ms', 3723004],
    ['1.5m', 90000],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
  assert.ok(Object.is(parseDuration('-0s'), 0), '-0s is 0, not -0');
});

test('parseDuration: errors use Go wording', () => {
  const cases: [string, string][] = [
    ['', 'invalid duration ""'],
    ['1', 'missing unit in duration "1"'],
    ['15', 'missing unit in duration "15"'],
    ['1.2.3s', 'missing unit in duration'],
    ['1x', 'unknown unit "x" in duration "1x"'],
    ['1s ', 'unknown unit "s " in duration'],
    ['1S', 'unknown unit "S"'],
    ['s', 'invalid duration "s"'],
    ['.s', 'invalid duration ".s"'],
    ['--1s', 'invalid duration'],
    ['-', 'invalid duration'],
    ['99999999999h', 'out of range'],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseDuration(text),
      (err: unknown) => err instanceof DurationSyntaxError && err.message.includes(message),
      `${JSON.stringify(text)} should fail with ${message}`,
    );
  }
});
