import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** Latency percentiles of one load window, in microseconds. */
export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
}

/** What a load driver (REST or gRPC) reports for one measured window. */
export interface LoadResult {
  /** Answers received (any status). */
  readonly completed: number;
  /** Transport failures, timeouts, and (gRPC) non-OK statuses. */
  readonly errors: number;
  /** REST answers with a status outside 2xx. */
  readonly non2xx: number;
  /** Wall-clock length of the window in seconds, measured by the driver. */
  readonly durationSec: number;
  readonly reqPerSec: number;
  readonly latencyUs: LatencySummary;
  /** The first failure seen, to make a non-zero error count actionable. */
  readonly firstError?: string;
}

/** Progress callback of a running window: answers so far and seconds elapsed. */
export type LoadProgress = (completed: number, elapsedSec: number) => void;

/**
 * Records per-request latencies in nanoseconds in Node's native HDR histogram. autocannon's own
 * histogram only keeps whole milliseconds, which hides the 50-300 µs differences we measure.
 */
export class LatencyRecorder {
  readonly #hist: RecordableHistogram = createHistogram({ lowest: 1, highest: 60e9, figures: 3 });

  /** Records one latency given in (fractional) milliseconds. */
  recordMs(ms: number): void {
    this.#hist.record(Math.max(1, Math.round(ms * 1e6)));
  }

  /** Records one latency given in nanoseconds. */
  recordNs(ns: bigint): void {
    this.#hist.record(ns > 0n ? ns : 1n);
  }

  summary(): LatencySummary {
    const h = this.#hist;
    if (h.count === 0) return { p50: 0, p90: 0, p99: 0, mean: 0, max: 0 };
    const us = (ns: number): number => Math.round(ns / 100) / 10;
    return { p50: us(h.percentile(50)), p90: us(h.percentile(90)), p99: us(h.percentile(99)), mean: us(h.mean), max: us(h.max) };
  }
}
