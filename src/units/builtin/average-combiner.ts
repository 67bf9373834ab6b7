import { engineError } from '../../errors';
import type { NodeSpec } from '../../graph/spec';
import type { Unit } from '../../graph/unit';
import { readNumericMessage, writeNumericMessage, type RawNumericMessage } from '../../message/numeric-json';
import { isJsonContentType, Payload } from '../../message/payload';
import { formatShape, numericDataJson, readNumericData, sameShape, type NumericData } from '../../message/tensor';
import type { BuiltinUnit } from '../registry';

/**
 * AVERAGE_COMBINER: the element-wise mean of its children's outputs, as the Java engine computed it
 * (the Go executor returned the first output unchanged). Unlike Java, any shape is accepted (not only
 * 2-D), as long as every output has the same one; ndarray and tensor outputs may be mixed.
 */
export const averageCombiner: BuiltinUnit = {
  name: 'AVERAGE_COMBINER',
  check(node: NodeSpec): string[] {
    return node.children.length === 0 ? ['AVERAGE_COMBINER needs at least 1 child, it has none.'] : [];
  },
  create(node: NodeSpec): Unit {
    const prefix = `AVERAGE_COMBINER node ${JSON.stringify(node.name)}`;
    return { aggregate: async (msgs): Promise<Payload> => average(msgs, prefix) };
  },
};

/**
 * The mean of `msgs`, keeping the first message's kind, names, meta and status. JSON inputs of the
 * plain shape are read and the answer written straight from and to bytes (averageRaw); anything else,
 * including every input that is wrong in some way, goes through JSON.parse (averageParsed), whose
 * errors say what is wrong. Both give the same bytes.
 */
function average(msgs: readonly Payload[], prefix: string): Payload {
  return averageRaw(msgs, prefix) ?? averageParsed(msgs, prefix);
}

/**
 * averageParsed without JSON.parse or JSON.stringify: undefined as soon as an input is not JSON bytes
 * that readNumericMessage can read. Its errors (shapes that differ, an overflowing sum) are thrown
 * where averageParsed throws them, with the same messages.
 */
function averageRaw(msgs: readonly Payload[], prefix: string): Payload | undefined {
  const n = msgs.length;
  let first: RawNumericMessage | undefined;
  let sum: Float64Array = new Float64Array(0);
  for (let i = 0; i < n; i++) {
    const body = plainJsonBody(msgs[i] as Payload);
    const message = body === undefined ? undefined : readNumericMessage(body);
    if (message === undefined) return undefined;
    if (first === undefined) {
      first = message;
      sum = message.values; // read for this call only: free to sum into
      continue;
    }
    if (!sameShape(message.shape, first.shape)) {
      throw engineError(
        'INVALID_COMBINER_INPUT',
        `${prefix}: input ${i} has shape ${formatShape(message.shape)}, input 0 has shape ${formatShape(first.shape)}`,
      );
    }
    const { values } = message;
    for (let j = 0; j < sum.length; j++) sum[j] = (sum[j] as number) + (values[j] as number);
  }
  if (first === undefined) return undefined;
  divide(sum, n, prefix);
  return new Payload(writeNumericMessage(first.kind, first.shape, sum, first), 'application/json');
}

/** The body of a payload that is JSON text as it stands (not protobuf, compressed or form-encoded). */
function plainJsonBody(msg: Payload): Buffer | undefined {
  if (msg.proto !== undefined || !isJsonContentType(msg.contentType)) return undefined;
  const encoding = msg.contentEncoding.toLowerCase();
  return encoding === '' || encoding === 'identity' ? msg.body : undefined;
}

/** Divides every sum by n, refusing a mean JSON cannot hold. */
function divide(sum: Float64Array, n: number, prefix: string): void {
  for (let j = 0; j < sum.length; j++) {
    const mean = (sum[j] as number) / n;
    // JSON has no Infinity: JSON.stringify would silently write null.
    if (!Number.isFinite(mean)) throw engineError('INVALID_COMBINER_INPUT', `${prefix}: the sum of element ${j} overflows`);
    sum[j] = mean;
  }
}

/**
 * The mean through JSON.parse and JSON.stringify: for every input, whatever its form. Sums into one
 * Float64Array (one pass per input). Exported for the tests, which check averageRaw against it.
 */
export function averageParsed(msgs: readonly Payload[], prefix: string): Payload {
  const n = msgs.length;
  if (n === 0) throw engineError('INVALID_COMBINER_INPUT', `${prefix}: got no inputs`);
  let first: { message: Record<string, unknown>; data: NumericData } | undefined;
  let sum = new Float64Array(0);
  for (let i = 0; i < n; i++) {
    const message = parse(msgs[i] as Payload, i, n, prefix);
    const data = readNumericData(message, `${prefix}: input ${i}`, 'INVALID_COMBINER_INPUT');
    if (first === undefined) {
      // readNumericData checked it is an object.
      first = { message: message as Record<string, unknown>, data };
      sum = Float64Array.from(data.values);
      continue;
    }
    if (!sameShape(data.shape, first.data.shape)) {
      throw engineError(
        'INVALID_COMBINER_INPUT',
        `${prefix}: input ${i} has shape ${formatShape(data.shape)}, input 0 has shape ${formatShape(first.data.shape)}`,
      );
    }
    const { values } = data;
    for (let j = 0; j < sum.length; j++) sum[j] = (sum[j] as number) + (values[j] as number);
  }
  if (first === undefined) throw engineError('INTERNAL', `${prefix}: no first input`);
  divide(sum, n, prefix);
  const out: Record<string, unknown> = { data: numericDataJson(first.data.kind, first.data.shape, sum, first.data.names) };
  // Cloned: the output's JSON may be edited downstream, and the input must stay as it was.
  const { meta, status } = first.message;
  if (meta !== undefined) out['meta'] = structuredClone(meta);
  if (status !== undefined) out['status'] = structuredClone(status);
  return Payload.fromJson(out);
}

function parse(msg: Payload, i: number, n: number, prefix: string): unknown {
  try {
    return msg.json(`input ${i}`);
  } catch (err) {
    throw engineError('CHILD_BAD_RESPONSE', `${prefix}: input ${i} of ${n} is not JSON (${(err as Error).message})`, { cause: err });
  }
}
