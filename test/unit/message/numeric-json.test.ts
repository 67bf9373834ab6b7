import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readNumericMessage, writeNumericMessage } from '../../../src/message/numeric-json';
import { numericDataJson, readNumericData } from '../../../src/message/tensor';

const read = (text: string) => readNumericMessage(Buffer.from(text));

/** What JSON.parse + readNumericData make of the text, in the reader's terms. */
function viaParse(text: string): { kind: string; shape: readonly number[]; values: number[]; names: unknown; meta: unknown; status: unknown } {
  const message = JSON.parse(text) as Record<string, unknown>;
  const data = readNumericData(message, 'in', 'INVALID_COMBINER_INPUT');
  return { kind: data.kind, shape: data.shape, values: Array.from(data.values), names: data.names, meta: message['meta'], status: message['status'] };
}

function assertReadsAsParse(text: string): void {
  const got = read(text);
  assert.ok(got !== undefined, `not read: ${text}`);
  const parse = (b: Buffer | undefined): unknown => (b === undefined ? undefined : JSON.parse(b.toString('utf8')));
  assert.deepEqual(
    { kind: got.kind, shape: got.shape, values: Array.from(got.values), names: parse(got.names), meta: parse(got.meta), status: parse(got.status) },
    viaParse(text),
    text,
  );
}

test('reads tensors, in either key order, with names, meta, status and other keys', () => {
  assertReadsAsParse('{"data":{"tensor":{"shape":[2,2],"values":[1,2.5,-3e2,0]}}}');
  assertReadsAsParse('{"data":{"tensor":{"values":[1,2,3],"shape":[3]},"names":["a","b\\"c","\\u00e9"]}}');
  assertReadsAsParse('{"meta":{"puid":"x","tags":{"a":[1,{"b":null}]},"routing":{"r":1}},"data":{"names":[],"tensor":{"shape":[],"values":[7]}},"status":{"code":0}}');
  assertReadsAsParse('{"data":{"tensor":{"shape":[0],"values":[]},"tftensor":null,"extra":{"x":[true,false]}},"jsonData":{"a":"\\n"}}');
  assertReadsAsParse('{"data":{"tensor":{"shape":[3,0]}}}');
  assertReadsAsParse(' \n\t{ "data" : { "tensor" : { "shape" : [ 1 , 2 ] , "values" : [ 1 , 2 ] } } } \r\n');
});

test('reads ndarrays of 1 to 3 dimensions', () => {
  assertReadsAsParse('{"data":{"ndarray":[1,2,3]}}');
  assertReadsAsParse('{"data":{"ndarray":[[1,2],[3,4],[5,6]]}}');
  assertReadsAsParse('{"data":{"ndarray":[[[1],[2]],[[3],[4]]]}}');
  assertReadsAsParse('{"data":{"ndarray":[ [ 1 , 2 ] , [ 3 , 4 ] ]}}');
});

test('anything else is left to the JSON.parse path', () => {
  const refused = [
    '', ' ', '3', '[]', 'null', '{}', '{"data":{}}', '\ufeff{"data":{"ndarray":[1]}}', '{"data":{"ndarray":[1]}} x', '{"data":{"ndarray":[1]}}{}',
    '{"data":{"ndarray":[1]},"data":{"ndarray":[2]}}', '{"data":{"ndarray":[1],"ndarray":[2]}}', '{"data":{"ndarray":[1],"tensor":{}}}',
    '{"d\\u0061ta":{"ndarray":[1]}}', '{"data":{"ndarray":[]}}', '{"data":{"ndarray":[[],[]]}}', '{"data":{"ndarray":[[1,2],[3]]}}',
    '{"data":{"ndarray":[[1,2],3]}}', '{"data":{"ndarray":[1,[2]]}}', '{"data":{"ndarray":["a"]}}', '{"data":{"ndarray":[1,null]}}',
    '{"data":{"ndarray":null}}', '{"data":{"ndarray":[1,]}}', '{"data":{"ndarray":[01]}}', '{"data":{"ndarray":[+1]}}', '{"data":{"ndarray":[NaN]}}',
    '{"data":{"tensor":{"shape":[2],"values":[1]}}}', '{"data":{"tensor":{"shape":[1.5],"values":[1]}}}', '{"data":{"tensor":{"shape":[-1]}}}',
    '{"data":{"tensor":{"shape":null,"values":[]}}}', '{"data":{"tensor":{"shape":[1],"values":[1],"values":[2]}}}', '{"data":{"tensor":[1]}}',
    '{"data":{"tftensor":{}}}', '{"data":{"names":"a","ndarray":[1]}}', '{"data":{"names":[1],"ndarray":[1]}}', '{"data":{"names":["a"],"names":["b"],"ndarray":[1]}}',
    '{"data":[1]}', '{"data":{"ndarray":[1]},"meta":{"a":1,}}', '{"data":{"ndarray":[1]},"meta":{"a":"\u0001"}}', '{"data":{"ndarray":[1]},"meta":{"a":"\\x"}}',
    '{"data":{"ndarray":[1]},"meta":{"a":tru}}', '{"data":{"ndarray":[1]},"meta":{"a":1},"meta":{"a":2}}', '{"data":{"ndarray":[1]},"other":[' + '['.repeat(200) + ']'.repeat(200) + ']}',
    '{"data":{"ndarray":[1]}', '{"data":{"ndarray":[1]},}', '{"data":{"tensor":{}}}', "{'data':{'ndarray':[1]}}",
  ];
  for (const text of refused) assert.equal(read(text), undefined, text);
});

test('what it reads, JSON.parse reads the same (random messages)', () => {
  let seed = 7;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = 0; i < 300; i++) {
    const text = JSON.stringify(randomMessage(next));
    assertReadsAsParse(text);
  }
});

test('writes exactly what JSON.stringify writes', () => {
  let seed = 11;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = 0; i < 300; i++) {
    const message = randomMessage(next);
    const text = JSON.stringify(message);
    const raw = read(text);
    assert.ok(raw !== undefined);
    const data = readNumericData(message, 'in', 'INVALID_COMBINER_INPUT');
    const expected: Record<string, unknown> = { data: numericDataJson(data.kind, data.shape, data.values, data.names) };
    if (message.meta !== undefined) expected['meta'] = message.meta;
    if (message.status !== undefined) expected['status'] = message.status;
    assert.equal(writeNumericMessage(raw.kind, raw.shape, raw.values, raw).toString('utf8'), JSON.stringify(expected));
  }
});

test('names, meta and status are re-serialised as JSON.stringify writes them', () => {
  const text = '{ "status" : {"code":1.50, "x":"\\u0041\\/"}, "data":{"names":[ "\\u00e9" , "a" ],"ndarray":[1]}, "meta" : {"__proto__":{"a":1e2},"tags":{}}}';
  const raw = read(text);
  assert.ok(raw !== undefined);
  assert.equal(
    writeNumericMessage(raw.kind, raw.shape, raw.values, raw).toString('utf8'),
    '{"data":{"names":["é","a"],"ndarray":[1]},"meta":{"__proto__":{"a":100},"tags":{}},"status":{"code":1.5,"x":"A/"}}',
  );
});

test('a 0-dimensional ndarray is written as a one-element list', () => {
  assert.equal(writeNumericMessage('ndarray', [], Float64Array.of(2.5), { names: undefined, meta: undefined, status: undefined }).toString(), '{"data":{"ndarray":[2.5]}}');
});

interface Message {
  data: Record<string, unknown>;
  meta?: unknown;
  status?: unknown;
}

/** A random SeldonMessage with numeric data: tensor or ndarray, 1-3 dimensions, names, meta, status. */
function randomMessage(next: () => number, shape?: readonly number[]): Message {
  const dims = shape ?? Array.from({ length: 1 + Math.floor(next() * 3) }, () => 1 + Math.floor(next() * 4));
  const count = dims.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: count }, () => randomNumber(next));
  const data: Record<string, unknown> = {};
  if (next() < 0.4) data['names'] = Array.from({ length: dims[dims.length - 1] ?? 1 }, (_, i) => (next() < 0.2 ? `é"${i}\n` : `f${i}`));
  if (next() < 0.5) {
    data['tensor'] = next() < 0.5 ? { shape: [...dims], values } : { values, shape: [...dims] };
  } else {
    let pos = 0;
    const nest = (d: number): unknown[] => Array.from({ length: dims[d] ?? 0 }, () => (d === dims.length - 1 ? values[pos++] : nest(d + 1)));
    data['ndarray'] = nest(0);
  }
  const message: Message = { data };
  if (next() < 0.5) {
    message.meta = { puid: `p${Math.floor(next() * 1000)}`, tags: { a: next() < 0.5 ? 1.25 : 'x', nested: { list: [1, null, true] } }, routing: { r: 1 }, metrics: [{ key: 'k', type: 'COUNTER', value: 1 }] };
  }
  if (next() < 0.3) message.status = { code: 200, info: 'ok', status: 'SUCCESS' };
  return message;
}

/** Integers, short decimals, float32 values, negative numbers, exponent forms. */
function randomNumber(next: () => number): number {
  const kind = Math.floor(next() * 6);
  const sign = next() < 0.3 ? -1 : 1;
  if (kind === 0) return sign * Math.floor(next() * 1000);
  if (kind === 1) return sign * Math.floor(next() * 100000) / 1000;
  if (kind === 2) return sign * Math.fround(next());
  if (kind === 3) return sign * next() * 10 ** Math.floor(next() * 40 - 20);
  if (kind === 4) return sign * next();
  return 0;
}
