import { engineError } from '../../errors';
import type { NodeSpec } from '../../graph/spec';
import type { Unit } from '../../graph/unit';
import { cloneJson } from '../../message/json-clone';
import { Payload } from '../../message/payload';
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
    return { aggregate: async (msgs): Promise<Payload> => averageChecked(msgs, prefix) };
  },
};

/**
 * average(), with an input nested deeper than the stack allows (an ndarray of thousands of levels,
 * a `meta` of 100,000) refused as such instead of surfacing as an internal error.
 */
function averageChecked(msgs: readonly Payload[], prefix: string): Payload {
  try {
    return average(msgs, prefix);
  } catch (err) {
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      throw engineError('INVALID_COMBINER_INPUT', `${prefix}: an input is nested too deeply to average (${err.message})`);
    }
    throw err;
  }
}

/**
 * The mean of `msgs`, keeping the first message's kind, names, meta and status. Sums into one plain
 * array of doubles (one pass per input): a copy of a parsed tensor's values is a memcpy, and
 * JSON.stringify prints it directly (a Float64Array would first need Array.from: +2 ms per 52,000).
 */
function average(msgs: readonly Payload[], prefix: string): Payload {
  const n = msgs.length;
  if (n === 0) throw engineError('INVALID_COMBINER_INPUT', `${prefix}: got no inputs`);
  let first: { message: Record<string, unknown>; data: NumericData } | undefined;
  let sum: number[] = [];
  for (let i = 0; i < n; i++) {
    const message = parse(msgs[i] as Payload, i, n, prefix);
    const data = readNumericData(message, `${prefix}: input ${i}`, 'INVALID_COMBINER_INPUT');
    if (first === undefined) {
      // readNumericData checked it is an object.
      first = { message: message as Record<string, unknown>, data };
      sum = Array.isArray(data.values) ? (data.values as readonly number[]).slice() : Array.from(data.values);
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
  for (let j = 0; j < sum.length; j++) {
    const mean = (sum[j] as number) / n;
    // JSON has no Infinity: JSON.stringify would silently write null.
    if (!Number.isFinite(mean)) throw engineError('INVALID_COMBINER_INPUT', `${prefix}: the sum of element ${j} overflows`);
    sum[j] = mean;
  }
  const out: Record<string, unknown> = { data: numericDataJson(first.data.kind, first.data.shape, sum, first.data.names) };
  // Cloned: the output's JSON may be edited downstream, and the input must stay as it was.
  const { meta, status } = first.message;
  if (meta !== undefined) out['meta'] = cloneJson(meta);
  if (status !== undefined) out['status'] = cloneJson(status);
  return Payload.fromJson(out);
}

function parse(msg: Payload, i: number, n: number, prefix: string): unknown {
  try {
    return msg.json(`input ${i}`);
  } catch (err) {
    throw engineError('CHILD_BAD_RESPONSE', `${prefix}: input ${i} of ${n} is not JSON (${(err as Error).message})`, { cause: err });
  }
}
