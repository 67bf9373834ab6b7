import assert from 'node:assert/strict';
import { EngineError } from '../../src/errors';

/** The EngineError `promise` rejects with; fails the test when it resolves or rejects with anything else. */
export async function rejected(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof EngineError, `not an EngineError: ${String(err)}`);
    return err;
  }
  assert.fail('the call succeeded');
}
