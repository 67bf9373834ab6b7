import type { Registry } from 'prom-client';
import type { Logger } from '../logger';
import type { QueueBounds, QueuePeaks } from './bounded-queue';
import type { SinkIdentity } from './cloud-event';
import type { PayloadLogCounts } from './metrics';
import type { SinkClientOptions } from './sink';

/** Retries of one event after a 5xx, a connection error or a timeout (never after a 3xx/4xx). */
export interface RetryOptions {
  /** POSTs per event in all, the first included (default 3). */
  readonly attempts?: number;
  /** Backoff before retry n is min(max, base * 2^(n-1)), jittered to between half and all of it. */
  readonly baseDelayMs?: number;
  /** Ceiling of one backoff (default 2000 ms). */
  readonly maxDelayMs?: number;
}

/**
 * Settings of a PayloadLogger. Worst-case memory held by events: 2 x maxQueueBytes (queue + waiters)
 * plus, per worker, one event and its decoded body (<= maxDecodedBytes).
 */
export interface PayloadLoggerOptions extends SinkIdentity {
  /** `--logger_workers`: POSTs in flight at most. */
  readonly workers: number;
  /** `--log_work_buffer_size`: queued events at most (0 is taken as 1, the nearest bounded stand-in for Go's unbuffered channel). */
  readonly maxQueueEntries: number;
  /** Payload bytes the queue may hold (default 256 MiB). */
  readonly maxQueueBytes?: number;
  /** `--log_write_timeout_ms`: how long an event may wait for room; <= 0 drops at once when full. */
  readonly enqueueWaitMs: number;
  /** Events that may wait for room at once (default maxQueueEntries); their bytes are bounded by maxQueueBytes too. */
  readonly maxWaitingEntries?: number;
  /** Deadline of each POST (default 5000 ms). */
  readonly sendTimeoutMs?: number;
  /** Retries after 5xx, connection errors and timeouts (default 3 attempts, 100 ms base, 2000 ms max). */
  readonly retry?: RetryOptions;
  /** Largest decompressed body a worker builds for a gzip/deflate/br payload (default 64 MiB). */
  readonly maxDecodedBytes?: number;
  /** Distinct sink origins (default 32); events for further ones are dropped as `bad_url`. */
  readonly maxSinkOrigins?: number;
  /** Registry for the metrics (never the global one). */
  readonly registry: Registry;
  /** For the engine's own (rate-limited) lines about failures. */
  readonly logger: Logger;
}

/** Totals and current sizes; `queued` = waiting + queueEntries + inFlight. */
export interface PayloadLoggerStats extends PayloadLogCounts {
  readonly waitingEntries: number;
  readonly waitingBytes: number;
  readonly queueEntries: number;
  readonly queueBytes: number;
  readonly inFlight: number;
  /** High-water marks of the queue and of the waiters since start. */
  readonly peaks: QueuePeaks;
}

/** Outcome of `flush`: events delivered and dropped (any reason) after flush was called. */
export interface FlushResult {
  readonly delivered: number;
  readonly dropped: number;
}

const MiB = 1024 * 1024;

/** Defaults of the optional settings. */
export const PAYLOAD_LOG_DEFAULTS = {
  maxQueueBytes: 256 * MiB,
  sendTimeoutMs: 5000,
  attempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 2000,
  maxDecodedBytes: 64 * MiB,
  maxSinkOrigins: 32,
} as const;

/** The options with defaults applied and numbers made sane integers. */
export interface ResolvedOptions {
  readonly identity: SinkIdentity;
  readonly workers: number;
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxDecodedBytes: number;
  readonly queue: QueueBounds;
  readonly sink: SinkClientOptions;
}

/** Applies defaults; out-of-range numbers are clamped rather than thrown, as the flags were validated already. */
export function resolveOptions(o: PayloadLoggerOptions): ResolvedOptions {
  const d = PAYLOAD_LOG_DEFAULTS;
  const workers = int(o.workers, 1, 10);
  const maxEntries = int(o.maxQueueEntries, 1, 10_000);
  const maxBytes = int(o.maxQueueBytes, 1, d.maxQueueBytes);
  return {
    identity: { source: o.source, inferenceServiceName: o.inferenceServiceName, namespace: o.namespace, endpoint: o.endpoint, protocol: o.protocol },
    workers,
    attempts: int(o.retry?.attempts, 1, d.attempts),
    baseDelayMs: int(o.retry?.baseDelayMs, 0, d.baseDelayMs),
    maxDelayMs: int(o.retry?.maxDelayMs, 0, d.maxDelayMs),
    maxDecodedBytes: int(o.maxDecodedBytes, 1, d.maxDecodedBytes),
    queue: {
      maxEntries,
      maxBytes,
      maxWaitingEntries: int(o.maxWaitingEntries, 0, maxEntries),
      maxWaitingBytes: maxBytes,
      waitMs: Number.isFinite(o.enqueueWaitMs) ? o.enqueueWaitMs : 0,
    },
    sink: { maxOrigins: int(o.maxSinkOrigins, 1, d.maxSinkOrigins), sendTimeoutMs: int(o.sendTimeoutMs, 1, d.sendTimeoutMs), connections: workers },
  };
}

/** An integer option: `fallback` when absent or not finite, else floored and raised to `min`. */
function int(value: number | undefined, min: number, fallback: number): number {
  return value === undefined || !Number.isFinite(value) ? fallback : Math.max(min, Math.floor(value));
}
