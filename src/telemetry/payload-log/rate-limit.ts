import type { LogFields, Logger } from '../logger';

/**
 * At most one engine log line per interval per cause (reliability.md R8: a dead sink at 300 req/s
 * must not turn into 300 log lines/s). Lines that were held back are counted in the next one's
 * `suppressed` field, so nothing is lost from the totals the operator sees.
 */
export class RateLimitedLog {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #state = new Map<string, { last: number; suppressed: number }>();

  /** Causes passed to `warn` must come from a fixed set: the map keeps one entry per cause. */
  constructor(logger: Logger, intervalMs = 1000) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
  }

  /** Logs `msg` at warn level unless `cause` was logged less than the interval ago. */
  warn(cause: string, msg: string, fields: LogFields = {}): void {
    const now = performance.now();
    let s = this.#state.get(cause);
    if (s === undefined) {
      s = { last: -Infinity, suppressed: 0 };
      this.#state.set(cause, s);
    }
    if (now - s.last < this.#intervalMs) {
      s.suppressed += 1;
      return;
    }
    const suppressed = s.suppressed;
    s.last = now;
    s.suppressed = 0;
    const line = suppressed > 0 ? { cause, ...fields, suppressed } : { cause, ...fields };
    // Written on the next turn: the caller may be log(), which must not pay for serialising and
    // writing a line; and a broken writer must not break the logger, which promises never to throw.
    setImmediate(() => {
      try {
        this.#logger.warn(msg, line);
      } catch {
        // nothing sensible left to do with it
      }
    });
  }
}
