/**
 * Measures how long a request spent waiting on child servers: the union of the intervals during which
 * at least one child call was in flight (fan-out calls overlap, so their durations are not summed).
 * The engine's own time is then the request's total minus this.
 */
export class WaitClock {
  #inFlight = 0;
  #since = 0;
  #waitedMs = 0;

  /** A child call started at `now` (performance.now(), passed in by callers that already read it). */
  begin(now = performance.now()): void {
    if (this.#inFlight++ === 0) this.#since = now;
  }

  end(now = performance.now()): void {
    if (--this.#inFlight === 0) this.#waitedMs += now - this.#since;
  }

  /** Milliseconds spent with at least one child call in flight (so far). */
  get waitedMs(): number {
    return this.#inFlight > 0 ? this.#waitedMs + (performance.now() - this.#since) : this.#waitedMs;
  }
}
