/**
 * Payload-logger accounting on the engine's registry. Every event handed to `log()` is counted once
 * in `enqueued` and ends in exactly one of `delivered`, `dropped{reason}` or (for now) `queued`:
 *
 *   infergraph_payload_log_events_enqueued_total            = every call of log()
 *     = infergraph_payload_log_events_delivered_total       (a 2xx from the sink)
 *     + sum(infergraph_payload_log_events_dropped_total)    (reason: see DROP_REASONS)
 *     + infergraph_payload_log_events_queued                (waiting for room + queued + being sent)
 *
 *   infergraph_payload_log_queued_bytes        payload bytes held by the queued events
 *   infergraph_payload_log_retries_total       POSTs repeated after a 5xx, connection error or timeout
 *   infergraph_payload_log_delivery_seconds    log() to the sink's 2xx, queueing and retries included
 *
 * The counters and gauges are read from the logger's own integers when scraped, all in one
 * synchronous pass, so the identity above holds exactly in every scrape, even under load.
 */
import type { Registry } from 'prom-client';
import { Counter, Gauge, Histogram } from '../prom/client';

/** Why an event was not delivered. A fixed set, so the label has bounded cardinality. */
export const DROP_REASONS = [
  /** No room in the queue (at once when log_write_timeout_ms <= 0, else after waiting that long). */
  'queue_full',
  /** 5xx, connection error or timeout on every attempt. */
  'failed',
  /** The sink answered 3xx or 4xx (not retried). */
  'rejected',
  /** Empty, unparsable or non-http(s) URL, or one origin too many. */
  'bad_url',
  /** The payload's Content-Encoding could not be undone within the size bound. */
  'bad_payload',
  /** Refused or abandoned because the engine is shutting down (flush/close). */
  'shutdown',
] as const;

export type DropReason = (typeof DROP_REASONS)[number];

/** The logger's running totals, read at scrape time. */
export interface PayloadLogCounts {
  readonly enqueued: number;
  readonly delivered: number;
  readonly dropped: Readonly<Record<DropReason, number>>;
  /** Events waiting for room, queued, or being sent. */
  readonly queued: number;
  readonly queuedBytes: number;
  readonly retries: number;
}

// From a fast local sink (ms) to the retry budget of a slow one (tens of seconds).
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Registers the payload-log metrics; `counts` is called at every scrape. */
export class PayloadLogMetrics {
  readonly #latency: Histogram;

  constructor(registry: Registry, counts: () => PayloadLogCounts) {
    const registers = [registry];
    const total = (name: string, help: string, read: (c: PayloadLogCounts) => number): void => {
      new Counter({
        name, help, registers,
        collect() {
          this.reset();
          this.inc(read(counts()));
        },
      });
    };
    total('infergraph_payload_log_events_enqueued_total', 'Payload-log events handed to the logger (every log() call)', (c) => c.enqueued);
    total('infergraph_payload_log_events_delivered_total', 'Payload-log events the sink accepted with a 2xx', (c) => c.delivered);
    total('infergraph_payload_log_retries_total', 'Payload-log POSTs repeated after a 5xx, connection error or timeout', (c) => c.retries);
    new Counter({
      name: 'infergraph_payload_log_events_dropped_total',
      help: 'Payload-log events given up, by reason',
      labelNames: ['reason'],
      registers,
      collect() {
        const dropped = counts().dropped;
        this.reset();
        for (const reason of DROP_REASONS) this.inc({ reason }, dropped[reason]);
      },
    });
    new Gauge({
      name: 'infergraph_payload_log_events_queued',
      help: 'Payload-log events waiting for room, queued, or being sent',
      registers,
      collect() {
        this.set(counts().queued);
      },
    });
    new Gauge({
      name: 'infergraph_payload_log_queued_bytes',
      help: 'Payload bytes held by payload-log events waiting for room, queued, or being sent',
      registers,
      collect() {
        this.set(counts().queuedBytes);
      },
    });
    this.#latency = new Histogram({
      name: 'infergraph_payload_log_delivery_seconds',
      help: 'Time from log() to the sink accepting the event, queueing and retries included',
      buckets: LATENCY_BUCKETS,
      registers,
    });
  }

  /** Records one delivered event, `seconds` after its log() call. */
  observeDelivery(seconds: number): void {
    this.#latency.observe(seconds);
  }
}
