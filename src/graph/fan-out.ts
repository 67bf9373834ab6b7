import { Cancel } from './cancel';
import type { CallContext } from './unit';

/**
 * Runs `fn` for every item concurrently. The first failure aborts the others still running (through
 * the signal of the context they get) and is the error reported; a caller's abort reaches them too.
 */
export function fanOut<T, R>(items: readonly T[], ctx: CallContext, fn: (item: T, ctx: CallContext) => Promise<R>): Promise<R[]> {
  const only = items[0];
  if (items.length === 1 && only !== undefined) return call(fn, only, ctx).then((r) => [r]);
  const { cancel: siblings, unlink } = Cancel.linkedTo(ctx.signal);
  const shared: CallContext = { ...ctx, signal: siblings };
  const fail = (err: unknown): never => {
    siblings.abort(err);
    throw err;
  };
  return Promise.all(items.map((item) => call(fn, item, shared).catch(fail))).then(
    (results) => {
      unlink();
      return results;
    },
    (err: unknown) => {
      unlink();
      throw err;
    },
  );
}

/** `fn(item, ctx)`, a synchronous throw included as a rejection. */
function call<T, R>(fn: (item: T, ctx: CallContext) => Promise<R>, item: T, ctx: CallContext): Promise<R> {
  try {
    return fn(item, ctx);
  } catch (err) {
    return Promise.reject(err);
  }
}
