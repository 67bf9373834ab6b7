import { Cancel } from './cancel';
import type { CallContext } from './unit';

/**
 * Runs `fn` for every item concurrently. The first failure aborts the others still running (through
 * the signal of the context they get) and is the error reported; a caller's abort reaches them too.
 */
export async function fanOut<T, R>(items: readonly T[], ctx: CallContext, fn: (item: T, ctx: CallContext) => Promise<R>): Promise<R[]> {
  const only = items[0];
  if (items.length === 1 && only !== undefined) return [await fn(only, ctx)];
  const { cancel: siblings, unlink } = Cancel.linkedTo(ctx.signal);
  const shared: CallContext = { ...ctx, signal: siblings };
  try {
    return await Promise.all(items.map((item) => fn(item, shared).catch((err: unknown) => {
      siblings.abort(err);
      throw err;
    })));
  } finally {
    unlink();
  }
}
