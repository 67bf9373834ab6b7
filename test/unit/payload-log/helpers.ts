import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { Payload, type ProtoCodec } from '../../../src/message/payload';
import { createLogger, type Logger } from '../../../src/telemetry/logger';
import { DROP_REASONS, PayloadLogger, type DropReason, type PayloadLoggerOptions, type PayloadLogEvent, type PayloadLogType } from '../../../src/telemetry/payload-log';

/** One POST a sink received. */
export interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** How the sink answers: a status (after an optional delay), or never (a black hole). */
export interface SinkBehaviour {
  status: number;
  delayMs: number;
  hang: boolean;
}

/** A real HTTP sink on 127.0.0.1 whose behaviour tests change on the fly. */
export class TestSink {
  readonly received: Received[] = [];
  readonly behaviour: SinkBehaviour = { status: 200, delayMs: 0, hang: false };
  readonly #server: Server;
  port = 0;

  private constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
        const b = this.behaviour;
        if (b.hang) return;
        const answer = (): void => {
          if (!res.destroyed) res.writeHead(b.status, { 'content-type': 'text/plain' }).end('ok');
        };
        if (b.delayMs > 0) setTimeout(answer, b.delayMs).unref();
        else answer();
      });
    });
  }

  /** Starts a sink on `port` (0: any free port). */
  static async start(port = 0, behaviour: Partial<SinkBehaviour> = {}): Promise<TestSink> {
    const sink = new TestSink();
    Object.assign(sink.behaviour, behaviour);
    await new Promise<void>((resolve, reject) => {
      sink.#server.once('error', reject);
      sink.#server.listen(port, '127.0.0.1', () => resolve());
    });
    sink.port = (sink.#server.address() as AddressInfo).port;
    return sink;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/sink`;
  }

  /** Ce-Id of each request received, in order. */
  ids(): string[] {
    return this.received.map((r) => String(r.headers['ce-id']));
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** A port nothing listens on (bound once, then released), for "sink down" and for restarting later. */
export async function freePort(): Promise<number> {
  const s = await TestSink.start();
  const port = s.port;
  await s.stop();
  return port;
}

/** A logger that keeps its lines. */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('DEBUG', (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  return { logger, lines };
}

export interface Harness {
  readonly logger: PayloadLogger;
  readonly registry: Registry;
  readonly lines: Record<string, unknown>[];
}

/** A PayloadLogger with test-friendly defaults (small queue, fast retries) on a fresh registry. */
export function makeLogger(overrides: Partial<PayloadLoggerOptions> = {}): Harness {
  const registry = new Registry();
  const { logger, lines } = captureLogger();
  const options: PayloadLoggerOptions = {
    workers: 4,
    maxQueueEntries: 100,
    enqueueWaitMs: 0,
    sendTimeoutMs: 2000,
    retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    source: 'http://localhost:8000/',
    inferenceServiceName: 'mysdep',
    namespace: 'seldon',
    endpoint: 'default',
    protocol: 'seldon',
    registry,
    logger,
    ...overrides,
  };
  return { logger: new PayloadLogger(options), registry, lines };
}

/** A JSON event of `size` bytes (at least the JSON skeleton). */
export function jsonEvent(url: string, opts: { type?: PayloadLogType; node?: string; puid?: string; size?: number } = {}): PayloadLogEvent {
  const pad = 'x'.repeat(Math.max(0, (opts.size ?? 0) - 12));
  return {
    type: opts.type ?? 'request',
    node: opts.node ?? 'model',
    puid: opts.puid ?? 'puid-1',
    url,
    payload: new Payload(Buffer.from(`{"strData":"${pad}"}`), 'application/json'),
  };
}

/** A codec stub: the logger must never need to transcode, only send the bytes. */
export const NO_CODEC: ProtoCodec = {
  toProto: () => {
    throw new Error('the payload logger must not transcode');
  },
  toJson: () => {
    throw new Error('the payload logger must not transcode');
  },
};

/** Samples of the text exposition, `name{labels}` → value. */
export async function scrape(registry: Registry): Promise<Map<string, number>> {
  // registry.metrics() runs every collect in one synchronous pass: the snapshot is consistent.
  const text = await registry.metrics();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** The accounting identity, read from the registry; returns the numbers for further checks. */
export async function accounting(registry: Registry): Promise<{ enqueued: number; delivered: number; dropped: Record<DropReason, number>; queued: number; retries: number }> {
  const m = await scrape(registry);
  const get = (key: string): number => {
    const v = m.get(key);
    if (v === undefined) throw new Error(`metric ${key} missing`);
    return v;
  };
  const dropped = Object.fromEntries(DROP_REASONS.map((r) => [r, get(`infergraph_payload_log_events_dropped_total{reason="${r}"}`)])) as Record<DropReason, number>;
  return {
    enqueued: get('infergraph_payload_log_events_enqueued_total'),
    delivered: get('infergraph_payload_log_events_delivered_total'),
    dropped,
    queued: get('infergraph_payload_log_events_queued'),
    retries: get('infergraph_payload_log_retries_total'),
  };
}

export function sumDropped(dropped: Readonly<Record<string, number>>): number {
  return Object.values(dropped).reduce((a, b) => a + b, 0);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms until true, or throws after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
