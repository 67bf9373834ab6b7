import { randomUUID } from 'node:crypto';
import { Payload } from '../../message/payload';
import type { Logger } from '../logger';
import { BoundedQueue } from './bounded-queue';
import { cloudEventHeaders, decodeForLog, type PayloadLogEvent, type SinkIdentity } from './cloud-event';
import { DROP_REASONS, PayloadLogMetrics, type DropReason } from './metrics';
import { resolveOptions, type FlushResult, type PayloadLoggerOptions, type PayloadLoggerStats } from './options';
import { RateLimitedLog } from './rate-limit';
import { SinkClient, type SinkTarget } from './sink';

interface Entry {
  readonly event: PayloadLogEvent;
  readonly target: SinkTarget;
  readonly bytes: number;
  /** performance.now() at log(), for the latency histogram. */
  readonly loggedAt: number;
  /** Date.now() at log(): Ce-Time is when the payload was seen, not when the worker got to it. */
  readonly time: number;
}

/**
 * Payload logging (seldon-executor.md section 8) isolated from the request path (reliability.md R8):
 * `log()` only enqueues, in O(1), never throws and never waits; `workers` async workers POST the
 * events as CloudEvents. Memory is bounded by the queue and waiter bounds whatever the sink does,
 * and every event is accounted for in exactly one of delivered / dropped{reason} / queued.
 */
export class PayloadLogger {
  #identity: SinkIdentity;
  readonly #workers: number;
  readonly #sendAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #maxDecodedBytes: number;
  readonly #queue: BoundedQueue<Entry>;
  readonly #sink: SinkClient;
  readonly #metrics: PayloadLogMetrics;
  readonly #logger: Logger;
  readonly #warn: RateLimitedLog;
  #enqueued = 0;
  #delivered = 0;
  readonly #dropped: Record<DropReason, number> = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
  #retries = 0;
  #inFlight = 0;
  #inFlightBytes = 0;
  #active = 0;
  #kickPending = false;
  #accepting = true;
  #aborted = false;
  #flushing: Promise<FlushResult> | undefined;
  readonly #sleeps = new Set<() => void>();
  #idleWaiters: (() => void)[] = [];

  /**
   * Sets the CloudEvents source (`Ce-Source`) once the REST server listens: with `--http_port=0` the
   * OS picks the port, and the flag's 0 is not where the engine can be reached. Called before the
   * first request can arrive, so every event carries the same source.
   */
  setSource(source: string): void {
    this.#identity = { ...this.#identity, source };
  }

  constructor(options: PayloadLoggerOptions) {
    const o = resolveOptions(options);
    this.#identity = o.identity;
    this.#workers = o.workers;
    this.#sendAttempts = o.attempts;
    this.#baseDelayMs = o.baseDelayMs;
    this.#maxDelayMs = o.maxDelayMs;
    this.#maxDecodedBytes = o.maxDecodedBytes;
    this.#queue = new BoundedQueue<Entry>(o.queue, (entry) => this.#drop(entry, 'queue_full', 'timed out waiting to queue log request: buffer is full'));
    this.#sink = new SinkClient(o.sink);
    this.#logger = options.logger;
    this.#warn = new RateLimitedLog(options.logger);
    this.#metrics = new PayloadLogMetrics(options.registry, () => this.stats());
  }

  /** Queues one event for the sink. Never throws, never waits, O(1); every call is accounted for. */
  log(event: PayloadLogEvent): void {
    this.#enqueued += 1;
    let accounted = false;
    try {
      if (!this.#accepting) {
        accounted = true;
        this.#count('shutdown');
        return;
      }
      const target = this.#sink.resolve(event.url);
      if ('error' in target) {
        accounted = true;
        this.#count('bad_url');
        this.#warn.warn('bad_url', 'payload log dropped: unusable sink URL', { node: event.node, error: target.error });
        return;
      }
      const p = event.payload;
      // A slim copy sharing the bytes: the queue must not pin the parsed JSON or transcoded forms
      // the graph walk cached on the Payload, which the byte bound does not see.
      const slim = { type: event.type, node: event.node, puid: event.puid, url: event.url, payload: new Payload(p.body, p.contentType, p.contentEncoding, p.proto) };
      const entry: Entry = { event: slim, target, bytes: p.body.length, loggedAt: performance.now(), time: Date.now() };
      const result = this.#queue.offer(entry);
      accounted = true;
      if (result === 'full') this.#drop(entry, 'queue_full', 'payload log dropped: buffer is full');
      else if (result === 'queued') this.#kick();
    } catch (err) {
      // Only a malformed event gets here (the type system rules it out); keep the books exact anyway.
      if (!accounted) this.#count('bad_payload');
      this.#warn.warn('bad_payload', 'payload log dropped: malformed event', { error: String(err) });
    }
  }

  /**
   * Shutdown: refuses new events (dropped as `shutdown`), delivers what is queued or waiting until
   * `deadlineMs` milliseconds from now, then abandons the rest (also `shutdown`) and resolves.
   * Calling it again returns the same promise.
   */
  flush(deadlineMs: number): Promise<FlushResult> {
    if (this.#flushing !== undefined) return this.#flushing;
    this.#accepting = false;
    const delivered0 = this.#delivered;
    const dropped0 = this.#totalDropped();
    this.#flushing = (async (): Promise<FlushResult> => {
      let timer: NodeJS.Timeout | undefined;
      // Deliberately not unref'd: this timer is what keeps the process alive to finish the flush.
      const deadline = new Promise<void>((resolve) => { timer = setTimeout(resolve, Math.max(0, deadlineMs)); });
      await Promise.race([this.#whenIdle(), deadline]);
      clearTimeout(timer);
      this.#abort();
      await this.#whenIdle();
      const result = { delivered: this.#delivered - delivered0, dropped: this.#totalDropped() - dropped0 };
      const fields = { ...result, droppedShutdown: this.#dropped.shutdown };
      try {
        if (this.#dropped.shutdown > 0) this.#logger.warn('payload log flushed; events dropped at shutdown', fields);
        else this.#logger.info('payload log flushed', fields);
      } catch {
        // The result matters more than the log line.
      }
      return result;
    })();
    return this.#flushing;
  }

  /** Abandons whatever is left (dropped as `shutdown`) and closes the sink connections. */
  async close(): Promise<void> {
    const flushed = this.flush(0);
    this.#abort();
    await flushed;
    await this.#sink.close();
  }

  /** Running totals, current sizes and high-water marks (what the metrics show). */
  stats(): PayloadLoggerStats {
    const q = this.#queue;
    return {
      enqueued: this.#enqueued,
      delivered: this.#delivered,
      dropped: { ...this.#dropped },
      queued: q.waitingEntries + q.entries + this.#inFlight,
      queuedBytes: q.waitingBytes + q.bytes + this.#inFlightBytes,
      retries: this.#retries,
      waitingEntries: q.waitingEntries,
      waitingBytes: q.waitingBytes,
      queueEntries: q.entries,
      queueBytes: q.bytes,
      inFlight: this.#inFlight,
      peaks: q.peaks,
    };
  }

  #totalDropped(): number {
    return DROP_REASONS.reduce((sum, r) => sum + this.#dropped[r], 0);
  }

  #count(reason: DropReason): void {
    this.#dropped[reason] += 1;
  }

  /** Counts a drop of an event that never reached the queue's workers, and logs it. */
  #drop(entry: Entry, reason: DropReason, msg: string): void {
    this.#count(reason);
    this.#warnDrop(entry, reason, msg);
    this.#checkIdle();
  }

  /** The rate-limited engine log line for a drop (shutdown drops are summed up by flush instead). */
  #warnDrop(entry: Entry, reason: DropReason, msg: string, fields: Record<string, unknown> = {}): DropReason {
    if (reason !== 'shutdown') this.#warn.warn(reason, msg, { node: entry.event.node, type: entry.event.type, sink: entry.target.origin + entry.target.path, ...fields });
    return reason;
  }

  /** Starts workers on the next turn of the event loop, so log() itself never runs sending code. */
  #kick(): void {
    if (this.#kickPending) return;
    this.#kickPending = true;
    setImmediate(() => {
      this.#kickPending = false;
      while (this.#active < this.#workers && this.#queue.entries > 0 && !this.#aborted) {
        this.#active += 1;
        void this.#work();
      }
    });
  }

  async #work(): Promise<void> {
    for (let entry = this.#queue.take(); entry !== undefined; entry = this.#queue.take()) {
      this.#inFlight += 1;
      this.#inFlightBytes += entry.bytes;
      if (this.#queue.entries > 0 && this.#active < this.#workers) this.#kick();
      let outcome: DropReason | 'delivered';
      try {
        outcome = await this.#deliver(entry);
      } catch (err) {
        outcome = 'failed'; // #deliver handles its own errors; this is only a last line of defence
        this.#warnDrop(entry, 'failed', 'payload log worker error', { error: String(err) });
      }
      // Leave in-flight and count the outcome in one synchronous step: the books always balance.
      this.#inFlight -= 1;
      this.#inFlightBytes -= entry.bytes;
      if (outcome === 'delivered') {
        this.#delivered += 1;
        this.#metrics.observeDelivery((performance.now() - entry.loggedAt) / 1000);
      } else {
        this.#count(outcome);
      }
      this.#checkIdle();
    }
    this.#active -= 1;
  }

  /** Sends one event with retries; returns how it ended (drops already logged, not yet counted). */
  async #deliver(entry: Entry): Promise<DropReason | 'delivered'> {
    let body: Buffer;
    try {
      body = await decodeForLog(entry.event.payload, this.#maxDecodedBytes);
    } catch (err) {
      return this.#warnDrop(entry, 'bad_payload', 'payload log dropped: payload cannot be decoded', { error: (err as Error).message });
    }
    const headers = cloudEventHeaders(entry.event, this.#identity, randomUUID(), new Date(entry.time));
    for (let attempt = 1; ; attempt += 1) {
      if (this.#aborted) return 'shutdown';
      const r = await this.#sink.post(entry.target, headers, body);
      if (r.kind === 'delivered') return 'delivered';
      if (r.kind === 'aborted') return 'shutdown';
      if (r.kind === 'rejected') return this.#warnDrop(entry, 'rejected', 'payload log sink rejected the event', { status: r.status });
      if (attempt >= this.#sendAttempts) return this.#warnDrop(entry, 'failed', 'payload log sink failed; event dropped', { attempts: attempt, error: r.detail });
      if (!(await this.#sleep(this.#backoff(attempt)))) return 'shutdown';
      this.#retries += 1; // counted when the POST is repeated, not when one is merely planned
    }
  }

  #backoff(attempt: number): number {
    const d = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
    return d / 2 + Math.random() * (d / 2); // jitter: workers retrying a recovering sink do not all come back at once
  }

  /** Resolves true after `ms`, or false at once when the logger is aborted. */
  #sleep(ms: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.#sleeps.delete(cancel);
        resolve(ok);
      };
      const cancel = (): void => done(false);
      const timer = setTimeout(() => done(true), ms);
      timer.unref();
      this.#sleeps.add(cancel);
    });
  }

  /** The shutdown deadline passed: drop what is queued or waiting and end every send and backoff. */
  #abort(): void {
    this.#accepting = false;
    this.#aborted = true;
    this.#dropped.shutdown += this.#queue.drain().length;
    for (const cancel of [...this.#sleeps]) cancel();
    this.#sink.abortAll();
    this.#checkIdle();
  }

  #whenIdle(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#idleWaiters.push(resolve);
      this.#checkIdle();
    });
  }

  #checkIdle(): void {
    if (this.#idleWaiters.length === 0) return;
    if (this.#queue.entries + this.#queue.waitingEntries + this.#inFlight > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
