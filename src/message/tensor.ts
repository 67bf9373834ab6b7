import { engineError, type ErrorCode } from '../errors';

/**
 * Reading and writing the numeric part of a SeldonMessage (`data.ndarray` or `data.tensor`, see
 * section 6.1 of the reference). Only what the engine computes on (AVERAGE_COMBINER) needs this; all
 * other payloads travel as opaque bytes.
 */

/** Which DefaultData field held the numbers. */
export type NumericKind = 'ndarray' | 'tensor';

/** Numbers of a SeldonMessage, flattened in row-major order. */
export interface NumericData {
  readonly kind: NumericKind;
  /** Dimensions; an ndarray always has at least one, a tensor may have none (a scalar). */
  readonly shape: readonly number[];
  /** Row-major values; product(shape) of them. A tensor's own `values` list is used without copying. */
  readonly values: ArrayLike<number>;
  /** `data.names` when the message had it. */
  readonly names: readonly string[] | undefined;
}

/**
 * Extracts the numbers of a parsed SeldonMessage. Throws engineError(`code`) with a message that
 * starts with `label` and says precisely what is wrong, e.g.
 * `output 2: data.ndarray row 1 has 3 elements, row 0 has 2`.
 */
export function readNumericData(message: unknown, label: string, code: ErrorCode): NumericData {
  const fail = (problem: string): never => {
    throw engineError(code, `${label}: ${problem}`);
  };
  if (!isObject(message)) return fail(`the message is ${describe(message)}, not a SeldonMessage object`);
  const data = message['data'];
  if (data === undefined) {
    const other = Object.keys(message).find((k) => k !== 'meta' && k !== 'status');
    return fail(other === undefined ? 'the message has no data' : `the message has ${other} instead of data`);
  }
  if (!isObject(data)) return fail(`data is ${describe(data)}, not an object`);
  const names = readNames(data['names'], fail);
  const { ndarray, tensor } = data;
  if (ndarray !== undefined && tensor !== undefined) return fail('data has both ndarray and tensor');
  if (ndarray !== undefined) return { kind: 'ndarray', ...readNdarray(ndarray, fail), names };
  if (tensor !== undefined) return { kind: 'tensor', ...readTensor(tensor, fail), names };
  if (data['tftensor'] !== undefined) return fail('data.tftensor is not supported, only data.ndarray and data.tensor');
  return fail('data has neither ndarray nor tensor');
}

/**
 * The `data` object of a SeldonMessage holding these numbers in the given kind (names first, as
 * protobuf orders them). `values` must hold product(shape) numbers.
 */
export function numericDataJson(
  kind: NumericKind,
  shape: readonly number[],
  values: ArrayLike<number>,
  names: readonly string[] | undefined,
): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  if (names !== undefined) data['names'] = [...names];
  if (kind === 'tensor') {
    // A Float64Array would serialise as an object ({"0":..}); a plain array is used as it is.
    data['tensor'] = { shape: [...shape], values: Array.isArray(values) ? values : Array.from(values) };
  } else {
    // A scalar cannot be an ndarray (a ListValue); write it as a one-element list.
    data['ndarray'] = shape.length === 0 ? Array.from(values) : nest(shape, values);
  }
  return data;
}

/** `[1,3]`, as used in error messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** True when both shapes have the same dimensions. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

type Fail = (problem: string) => never;

function readNames(names: unknown, fail: Fail): string[] | undefined {
  if (names === undefined) return undefined;
  if (!Array.isArray(names)) return fail(`data.names is ${describe(names)}, not a list of strings`);
  const bad = names.findIndex((n) => typeof n !== 'string');
  if (bad >= 0) return fail(`data.names[${bad}] is ${describe(names[bad])}, not a string`);
  return names as string[];
}

function readNdarray(ndarray: unknown, fail: Fail): { shape: number[]; values: Float64Array } {
  if (!Array.isArray(ndarray)) return fail(`data.ndarray is ${describe(ndarray)}, not a list`);
  // The shape is read along the first elements; every other element is then checked against it.
  const shape: number[] = [];
  let cur: unknown = ndarray;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  const values = new Float64Array(product(shape));
  const leafDepth = shape.length - 1;
  let pos = 0;
  const path: number[] = [];
  const fill = (list: readonly unknown[], depth: number): void => {
    if (list.length !== shape[depth]) {
      fail(`${where(path)} has ${list.length} elements, ${where(path.map(() => 0), true)} has ${shape[depth]}`);
    }
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      if (depth === leafDepth) {
        if (typeof item === 'number') {
          values[pos++] = item;
          continue;
        }
        path.push(i);
        if (Array.isArray(item)) fail(`${where(path)} is a list, but ${where(path.map(() => 0), true)} is a number`);
        fail(`${where(path)} is ${describe(item)}, not a number`);
      }
      path.push(i);
      if (!Array.isArray(item)) fail(`${where(path)} is ${describe(item)}, but ${where(path.map(() => 0), true)} is a list`);
      fill(item as unknown[], depth + 1);
      path.pop();
    }
  };
  fill(ndarray, 0);
  return { shape, values };
}

function readTensor(tensor: unknown, fail: Fail): { shape: number[]; values: readonly number[] } {
  if (!isObject(tensor)) return fail(`data.tensor is ${describe(tensor)}, not an object`);
  // Absent repeated fields are empty in protobuf JSON.
  const shape = tensor['shape'] ?? [];
  const values = tensor['values'] ?? [];
  if (!Array.isArray(shape)) return fail(`data.tensor.shape is ${describe(shape)}, not a list`);
  shape.forEach((d: unknown, i) => {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      fail(`data.tensor.shape[${i}] is ${describe(d)}, not a non-negative integer`);
    }
  });
  if (!Array.isArray(values)) return fail(`data.tensor.values is ${describe(values)}, not a list`);
  for (let i = 0; i < values.length; i++) {
    if (typeof values[i] !== 'number') fail(`data.tensor.values[${i}] is ${describe(values[i])}, not a number`);
  }
  const want = product(shape as number[]);
  if (want !== values.length) {
    fail(`data.tensor.shape ${formatShape(shape as number[])} needs ${want} values, but data.tensor.values has ${values.length}`);
  }
  return { shape: shape as number[], values: values as number[] };
}

/** Rebuilds nested lists from row-major values. */
function nest(shape: readonly number[], values: ArrayLike<number>): unknown[] {
  let pos = 0;
  const build = (depth: number): unknown[] => {
    const n = shape[depth] ?? 0;
    const out = new Array<unknown>(n);
    if (depth === shape.length - 1) {
      for (let i = 0; i < n; i++) out[i] = values[pos++];
    } else {
      for (let i = 0; i < n; i++) out[i] = build(depth + 1);
    }
    return out;
  };
  return build(0);
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Names a place in an ndarray: `data.ndarray row 1` for a row, `data.ndarray[0][1]` deeper; `short`
 * drops the repeated `data.ndarray` for the second place of a comparison (`row 1 has 3, row 0 has 2`).
 */
function where(path: readonly number[], short = false): string {
  if (path.length === 0) return 'data.ndarray';
  const place = path.length === 1 ? `row ${path[0]}` : path.map((i) => `[${i}]`).join('');
  if (short) return place;
  return path.length === 1 ? `data.ndarray ${place}` : `data.ndarray${place}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short description of a JSON value for error messages. */
export function describe(v: unknown): string {
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  return String(v);
}
