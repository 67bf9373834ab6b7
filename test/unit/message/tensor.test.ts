import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError } from '../../../src/errors';
import { formatShape, numericDataJson, readNumericData, sameShape } from '../../../src/message/tensor';

const read = (message: unknown) => readNumericData(message, 'output 2', 'INVALID_COMBINER_INPUT');

/** Asserts that reading `message` fails with exactly `text` (after the label). */
function rejects(message: unknown, text: string): void {
  assert.throws(
    () => read(message),
    (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.equal(err.code, 'INVALID_COMBINER_INPUT');
      assert.equal(err.message, `output 2: ${text}`);
      return true;
    },
  );
}

test('ndarray 2-D: shape, row-major values, names', () => {
  const d = read({ data: { names: ['a', 'b'], ndarray: [[1, 2], [3, 4.5]] } });
  assert.equal(d.kind, 'ndarray');
  assert.deepEqual(d.shape, [2, 2]);
  assert.deepEqual(Array.from(d.values), [1, 2, 3, 4.5]);
  assert.deepEqual(d.names, ['a', 'b']);
});

test('ndarray 1-D and names absent', () => {
  const d = read({ data: { ndarray: [7, 8, 9] } });
  assert.deepEqual(d.shape, [3]);
  assert.deepEqual(Array.from(d.values), [7, 8, 9]);
  assert.equal(d.names, undefined);
});

test('ndarray 3-D', () => {
  const d = read({ data: { ndarray: [[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]] } });
  assert.deepEqual(d.shape, [2, 3, 2]);
  assert.deepEqual(Array.from(d.values), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
});

test('ndarray with empty dimensions', () => {
  assert.deepEqual(read({ data: { ndarray: [] } }).shape, [0]);
  assert.deepEqual(read({ data: { ndarray: [[], []] } }).shape, [2, 0]);
});

test('ragged ndarray rows are named', () => {
  rejects({ data: { ndarray: [[1, 2], [3, 4, 5]] } }, 'data.ndarray row 1 has 3 elements, row 0 has 2');
  rejects({ data: { ndarray: [[[1], [2]], [[3], [4, 5]]] } }, 'data.ndarray[1][1] has 2 elements, [0][0] has 1');
  rejects({ data: { ndarray: [[1, 2], 3] } }, 'data.ndarray row 1 is 3, but row 0 is a list');
  rejects({ data: { ndarray: [1, [2]] } }, 'data.ndarray row 1 is a list, but row 0 is a number');
});

test('non-numeric ndarray elements are named', () => {
  rejects({ data: { ndarray: [[1, 'a']] } }, 'data.ndarray[0][1] is "a", not a number');
  rejects({ data: { ndarray: [1, null] } }, 'data.ndarray row 1 is null, not a number');
  rejects({ data: { ndarray: [[true]] } }, 'data.ndarray[0][0] is true, not a number');
  rejects({ data: { ndarray: 'x' } }, 'data.ndarray is "x", not a list');
});

test('tensor: shape and values kept as given', () => {
  const d = read({ data: { names: ['x'], tensor: { shape: [2, 3], values: [1, 2, 3, 4, 5, 6] } } });
  assert.equal(d.kind, 'tensor');
  assert.deepEqual(d.shape, [2, 3]);
  assert.deepEqual(Array.from(d.values), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(d.names, ['x']);
  assert.deepEqual(read({ data: { tensor: { shape: [3], values: [1, 2, 3] } } }).shape, [3]);
});

test('tensor errors', () => {
  rejects({ data: { tensor: { shape: [2, 2], values: [1, 2, 3] } } }, 'data.tensor.shape [2,2] needs 4 values, but data.tensor.values has 3');
  rejects({ data: { tensor: { values: [1, 2] } } }, 'data.tensor.shape [] needs 1 values, but data.tensor.values has 2');
  rejects({ data: { tensor: { shape: [1, -1], values: [1] } } }, 'data.tensor.shape[1] is -1, not a non-negative integer');
  rejects({ data: { tensor: { shape: [1.5], values: [1] } } }, 'data.tensor.shape[0] is 1.5, not a non-negative integer');
  rejects({ data: { tensor: { shape: [2], values: [1, 'b'] } } }, 'data.tensor.values[1] is "b", not a number');
  rejects({ data: { tensor: [1] } }, 'data.tensor is a list of 1, not an object');
});

test('messages without numeric data', () => {
  rejects({}, 'the message has no data');
  rejects({ meta: {} }, 'the message has no data');
  rejects({ strData: 'hi' }, 'the message has strData instead of data');
  rejects({ data: {} }, 'data has neither ndarray nor tensor');
  rejects({ data: { names: ['a'] } }, 'data has neither ndarray nor tensor');
  rejects({ data: { tftensor: {} } }, 'data.tftensor is not supported, only data.ndarray and data.tensor');
  rejects({ data: { ndarray: [1], tensor: { shape: [1], values: [1] } } }, 'data has both ndarray and tensor');
  rejects({ data: { ndarray: [1], names: 'a' } }, 'data.names is "a", not a list of strings');
  rejects({ data: { ndarray: [1], names: ['a', 2] } }, 'data.names[1] is 2, not a string');
  rejects([1, 2], 'the message is a list of 2, not a SeldonMessage object');
  rejects(5, 'the message is 5, not a SeldonMessage object');
});

test('numericDataJson writes ndarray and tensor', () => {
  const values = Float64Array.from([1, 2, 3, 4, 5, 6]);
  assert.equal(JSON.stringify(numericDataJson('ndarray', [2, 3], values, ['a'])), '{"names":["a"],"ndarray":[[1,2,3],[4,5,6]]}');
  assert.equal(JSON.stringify(numericDataJson('ndarray', [3, 1, 2], values, undefined)), '{"ndarray":[[[1,2]],[[3,4]],[[5,6]]]}');
  assert.equal(JSON.stringify(numericDataJson('tensor', [2, 3], values, undefined)), '{"tensor":{"shape":[2,3],"values":[1,2,3,4,5,6]}}');
  assert.equal(JSON.stringify(numericDataJson('ndarray', [2, 0], [], undefined)), '{"ndarray":[[],[]]}');
  assert.equal(JSON.stringify(numericDataJson('ndarray', [], [5], undefined)), '{"ndarray":[5]}');
});

test('read then write gives the same JSON back', () => {
  for (const json of ['{"ndarray":[[1,2.5],[3,4]]}', '{"names":["a"],"tensor":{"shape":[1,2],"values":[1,2]}}', '{"ndarray":[[[1],[2]]]}']) {
    const d = read({ data: JSON.parse(json) as unknown });
    assert.equal(JSON.stringify(numericDataJson(d.kind, d.shape, d.values, d.names)), json);
  }
});

test('formatShape and sameShape', () => {
  assert.equal(formatShape([1, 3]), '[1,3]');
  assert.equal(formatShape([]), '[]');
  assert.equal(sameShape([1, 3], [1, 3]), true);
  assert.equal(sameShape([1, 3], [3, 1]), false);
  assert.equal(sameShape([3], [3, 1]), false);
});
