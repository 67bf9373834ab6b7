import { engineError } from '../errors';
import type { Payload } from './payload';
import { describe } from './tensor';

/**
 * Reading the route out of a router child's answer (reference section 4.3). Seldon parsed the answer
 * strictly as a SeldonMessage, then as a bare JSON list of ints; we accept the same shapes, but where
 * Seldon panicked (empty list) or silently read 0 (a non-number) we answer CHILD_BAD_RESPONSE.
 */

/** Top-level SeldonMessage fields, in both the JSON and the proto spelling that jsonpb accepts. */
const MESSAGE_FIELDS = new Set([
  'status', 'meta', 'data', 'binData', 'bin_data', 'strData', 'str_data', 'jsonData', 'json_data', 'customData', 'custom_data',
]);
const DATA_FIELDS = new Set(['names', 'tensor', 'ndarray', 'tftensor']);

/** How much of the body an error message quotes. */
const QUOTE_CHARS = 100;

/**
 * The route a router child answered: the first element of `data.ndarray` (or of its first row),
 * `data.tensor.values[0]`, `data.tftensor.int_val[0]`, or the first element of a bare JSON list;
 * -1 (all children) for a SeldonMessage without any of these, as Seldon. Non-integers are truncated
 * toward zero. The route is not checked against the number of children (the graph core does that).
 * Throws CHILD_BAD_RESPONSE naming `router` and quoting the start of the body.
 */
export function routeFromResponse(reply: Payload, router: string): number {
  const bad = (what: string, detail = ''): never => {
    const encoded = reply.contentEncoding !== '' && reply.contentEncoding !== 'identity';
    // An encoded body is binary: quoting it would only put noise in the log. A protobuf answer (a
    // gRPC router) is quoted as its JSON.
    const text = encoded ? undefined : reply.proto === undefined ? reply.body : protoAsJson(reply);
    const quoted = text === undefined ? '' : `: ${quote(text)}`;
    throw engineError('CHILD_BAD_RESPONSE', `router ${JSON.stringify(router)} answered ${what}${detail}${quoted}`);
  };

  let body: unknown;
  try {
    body = reply.json('the body');
  } catch (err) {
    return bad('a body that is not JSON', ` (${(err as Error).message})`);
  }

  if (Array.isArray(body)) {
    // Seldon decoded this into []int, so every element must be a number, not only the first.
    if (body.length === 0) return bad('an empty list');
    const i = body.findIndex((v) => typeof v !== 'number');
    if (i >= 0) return bad(`a list whose element ${i} is ${describe(body[i])}, not a number`);
    return toRoute(body[0] as number);
  }
  if (!isObject(body)) return bad(`${describe(body)}, not a SeldonMessage or a list of routes`);
  const unknownField = Object.keys(body).find((k) => !MESSAGE_FIELDS.has(k));
  if (unknownField !== undefined) return bad(`an object with field ${JSON.stringify(unknownField)}, which a SeldonMessage does not have`);

  const data = body['data'];
  if (data === undefined) return -1;
  if (!isObject(data)) return bad(`data that is ${describe(data)}, not an object`);
  const unknownData = Object.keys(data).find((k) => !DATA_FIELDS.has(k));
  if (unknownData !== undefined) return bad(`data with field ${JSON.stringify(unknownData)}, which SeldonMessage data does not have`);

  if (data['ndarray'] !== undefined) return fromNdarray(data['ndarray'], bad);
  if (data['tensor'] !== undefined) return fromTensor(data['tensor'], bad);
  if (data['tftensor'] !== undefined) return fromTftensor(data['tftensor'], bad);
  return -1;
}

type Bad = (what: string) => never;

function fromNdarray(ndarray: unknown, bad: Bad): number {
  if (!Array.isArray(ndarray)) return bad(`data.ndarray that is ${describe(ndarray)}, not a list`);
  if (ndarray.length === 0) return bad('an empty data.ndarray');
  let first: unknown = ndarray[0];
  // Seldon took the first item of a row: [[1,2],[3,4]] routes to 1.
  if (Array.isArray(first)) {
    if (first.length === 0) return bad('data.ndarray whose first row is empty');
    first = first[0];
  }
  if (typeof first !== 'number') return bad(`data.ndarray whose first value is ${describe(first)}, not a number`);
  return toRoute(first);
}

function fromTensor(tensor: unknown, bad: Bad): number {
  if (!isObject(tensor)) return bad(`data.tensor that is ${describe(tensor)}, not an object`);
  const values = tensor['values'];
  if (values === undefined || (Array.isArray(values) && values.length === 0)) return bad('a data.tensor without values');
  if (!Array.isArray(values)) return bad(`data.tensor.values that is ${describe(values)}, not a list`);
  const first: unknown = values[0];
  if (typeof first !== 'number') return bad(`data.tensor.values whose first value is ${describe(first)}, not a number`);
  return toRoute(first);
}

function fromTftensor(tftensor: unknown, bad: Bad): number {
  if (!isObject(tftensor)) return bad(`data.tftensor that is ${describe(tftensor)}, not an object`);
  // jsonpb accepts both the JSON name and the proto name.
  const intVal = tftensor['intVal'] ?? tftensor['int_val'];
  if (intVal === undefined || (Array.isArray(intVal) && intVal.length === 0)) return bad('a data.tftensor without int_val');
  if (!Array.isArray(intVal)) return bad(`data.tftensor.int_val that is ${describe(intVal)}, not a list`);
  const first: unknown = intVal[0];
  if (typeof first === 'number') return toRoute(first);
  // int_val is int32, but protobuf JSON also allows integers written as strings.
  if (typeof first === 'string' && /^\s*-?\d+\s*$/.test(first)) return toRoute(Number(first));
  return bad(`data.tftensor.int_val whose first value is ${describe(first)}, not an integer`);
}

/** Seldon cast the value to an int: truncate toward zero (and never answer -0). */
function toRoute(value: number): number {
  const route = Math.trunc(value);
  return route === 0 ? 0 : route;
}

/** A protobuf answer as JSON text, for an error message; undefined when it does not decode. */
function protoAsJson(reply: Payload): Buffer | undefined {
  try {
    return Buffer.from(JSON.stringify(reply.json('the answer')));
  } catch {
    return undefined;
  }
}

/** The first QUOTE_CHARS characters of the body as a JSON string, `...` marking a cut. */
function quote(body: Buffer): string {
  // Decode only a prefix: the body may be megabytes.
  const prefixBytes = QUOTE_CHARS * 4;
  const text = body.subarray(0, prefixBytes).toString('utf8');
  const cut = body.length > prefixBytes || text.length > QUOTE_CHARS;
  return JSON.stringify(text.slice(0, QUOTE_CHARS)) + (cut ? '...' : '');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
