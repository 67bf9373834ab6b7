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

  /** `causes` must come from a fixed set: the map holds one entry per cause. */
  constructor(logger: Logger, intervalMs = 1000) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
  }

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
    try {
      this.#logger.warn(msg, suppressed > 0 ? { cause, ...fields, suppressed } : { cause, ...fields });
    } catch {
      // A broken log writer must not break the payload logger, which promises never to throw.
    }
  }
}
