import type { CallContext, Unit } from '../graph/unit';

/** Records one step of one node: `method` is predict, transform-input, route, aggregate, ... */
export type StepObserver = (method: string, seconds: number, ok: boolean) => void;

type StepName = 'transformInput' | 'route' | 'aggregate' | 'transformOutput' | 'sendFeedback';

/**
 * Wraps a unit so each step is timed (per-node latency metric). For a remote unit the step's time is
 * also counted as waiting on a child (ctx.waits), which the engine-overhead metric subtracts.
 * `names` gives the metric's method label per step (e.g. transformInput → "predict" for a MODEL).
 */
export function instrumentUnit(unit: Unit, names: Readonly<Partial<Record<StepName, string>>>, remote: boolean, observe: StepObserver): Unit {
  const out: Unit = { ...unit };
  const wrap = <A, R>(step: StepName, fn: ((a: A, ctx: CallContext) => Promise<R>) | undefined): ((a: A, ctx: CallContext) => Promise<R>) | undefined => {
    if (fn === undefined) return undefined;
    const label = names[step] ?? step;
    // Plain promise callbacks, not an async wrapper: one promise per step on the hot path. The
    // clock is read once at each end and shared with the wait clock.
    return (a, ctx) => {
      const started = performance.now();
      const waits = remote ? ctx.waits : undefined;
      waits?.begin(started);
      const done = (ok: boolean): void => {
        const now = performance.now();
        waits?.end(now);
        observe(label, (now - started) / 1000, ok);
      };
      let pending: Promise<R>;
      try {
        pending = fn.call(unit, a, ctx);
      } catch (err) {
        done(false);
        return Promise.reject(err);
      }
      return pending.then(
        (result) => {
          done(true);
          return result;
        },
        (err: unknown) => {
          done(false);
          throw err;
        },
      );
    };
  };
  const transformInput = wrap('transformInput', unit.transformInput);
  const route = wrap('route', unit.route);
  const aggregate = wrap('aggregate', unit.aggregate);
  const transformOutput = wrap('transformOutput', unit.transformOutput);
  const sendFeedback = wrap('sendFeedback', unit.sendFeedback);
  if (transformInput !== undefined) out.transformInput = transformInput;
  if (route !== undefined) out.route = route;
  if (aggregate !== undefined) out.aggregate = aggregate;
  if (transformOutput !== undefined) out.transformOutput = transformOutput;
  if (sendFeedback !== undefined) out.sendFeedback = sendFeedback;
  return out;
}
