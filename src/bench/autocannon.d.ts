/**
 * Minimal types for the parts of autocannon 8 that src/bench uses (the package ships none).
 * Only the programmatic API: `autocannon(options)` returns an EventEmitter that is also a thenable
 * resolving with the run's result (autocannon/lib/init.js#run).
 */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    interface Options {
      readonly url: string;
      readonly method?: 'GET' | 'POST' | 'PUT';
      readonly body?: string | Buffer;
      readonly headers?: Readonly<Record<string, string>>;
      readonly connections?: number;
      /** Seconds. */
      readonly duration?: number;
      readonly pipelining?: number;
      /** Per-request timeout in seconds. */
      readonly timeout?: number;
      /** ms between internal samples; the run can only stop on a sample tick. */
      readonly sampleInt?: number;
      /** Hard cap on requests over all connections (must be >= connections). */
      readonly maxOverallRequests?: number;
    }

    /** autocannon's histogram summaries; latency values are whole milliseconds (hdr, lowest 1). */
    interface Histogram {
      readonly average: number;
      readonly mean: number;
      readonly min: number;
      readonly max: number;
      readonly p50: number;
      readonly p90: number;
      readonly p99: number;
      readonly total?: number;
    }

    interface Result {
      /** Seconds. */
      readonly duration: number;
      readonly errors: number;
      readonly timeouts: number;
      readonly non2xx: number;
      readonly resets: number;
      readonly '2xx': number;
      readonly latency: Histogram;
      readonly requests: Histogram & { readonly total: number; readonly sent: number };
    }

    interface Instance extends EventEmitter, PromiseLike<Result> {
      stop(): void;
      /** One answer: status code, bytes, response time in (fractional) ms. */
      on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): this;
      on(event: 'reqError', listener: (error: Error) => void): this;
      on(event: 'error', listener: (error: Error) => void): this;
    }
  }

  function autocannon(options: autocannon.Options): autocannon.Instance;
  export = autocannon;
}
