import { type Attributes, type Context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type TextMapPropagator, trace, type Tracer } from '@opentelemetry/api';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, type Sampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { TracingConfig } from '../../config/schema';
import { toEngineError } from '../../errors';
import { callsChildServer, remoteSteps, type NodeObserver, type NodeSpec } from '../../graph';
import type { Logger } from '../logger';
import { createExporter } from './exporter';
import { ATTR, type Headers, type ServerSpan, type Tracing } from './api';
import { createPropagator, extract, inject } from './propagation';

/** The instrumentation scope of every span. */
const SCOPE = 'infergraph';
/** Longest wait for the last export on shutdown. */
const CLOSE_TIMEOUT_MS = 5_000;

/** How often the span clock is compared with the wall clock, and the gap that makes it follow. */
const CLOCK_CHECK_MS = 10_000;
const CLOCK_MAX_SKEW_MS = 5;
let epochOffset = Date.now() - performance.now();
let clockCheckedAt = performance.now();

/**
 * Epoch milliseconds from the monotonic clock. The SDK starts each span at Date.now() (1 ms steps), so
 * a child span could appear to start before its parent or end after it; every span here takes its
 * start and end times from this clock instead, so spans nest in time as they nest in the graph. It
 * follows the wall clock (NTP) only when they drift more than CLOCK_MAX_SKEW_MS apart.
 */
function now(): number {
  const t = performance.now();
  if (t - clockCheckedAt > CLOCK_CHECK_MS) {
    clockCheckedAt = t;
    const fresh = Date.now() - t;
    if (Math.abs(fresh - epochOffset) > CLOCK_MAX_SKEW_MS) epochOffset = fresh;
  }
  return epochOffset + t;
}

/** gRPC codes whose server span is an error (semantic conventions): UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS. */
const GRPC_SERVER_ERRORS: ReadonlySet<number> = new Set([2, 4, 12, 13, 14, 15]);

/** Tracing with the OpenTelemetry SDK (loaded only when tracing is on). Registers nothing globally. */
export function createOtelTracing(config: TracingConfig, logger: Logger): Tracing {
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ ...config.resourceAttributes, 'service.name': config.serviceName })),
    sampler: createSampler(config),
    spanProcessors: [new BatchSpanProcessor(createExporter(config, logger), {
      scheduledDelayMillis: config.scheduleDelayMs,
      exportTimeoutMillis: config.exportTimeoutMs,
      maxQueueSize: config.maxQueueSize,
      maxExportBatchSize: config.maxExportBatchSize,
    })],
  });
  logger.info('tracing on', { endpoint: config.endpoint, protocol: config.protocol, service_name: config.serviceName, sampler: config.sampler, ratio: config.samplerRatio, propagation: `tracecontext,${config.propagation}` });
  return new OtelTracing(provider, createPropagator(config.propagation), logger);
}

function createSampler(config: TracingConfig): Sampler {
  switch (config.sampler) {
    case 'always_on': return new AlwaysOnSampler();
    case 'always_off': return new AlwaysOffSampler();
    case 'traceidratio': return new TraceIdRatioBasedSampler(config.samplerRatio);
    case 'parentbased_always_off': return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio': return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.samplerRatio) });
    default: return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

class OtelTracing implements Tracing {
  readonly enabled = true;
  readonly #provider: BasicTracerProvider;
  readonly #tracer: Tracer;
  readonly #propagator: TextMapPropagator;
  readonly #logger: Logger;

  constructor(provider: BasicTracerProvider, propagator: TextMapPropagator, logger: Logger) {
    this.#provider = provider;
    this.#tracer = provider.getTracer(SCOPE);
    this.#propagator = propagator;
    this.#logger = logger;
  }

  httpServerSpan(route: string, method: string, url: string, headers: Headers, puid: string): ServerSpan {
    const q = url.indexOf('?');
    const attributes: Attributes = { 'http.request.method': method, 'url.path': q === -1 ? url : url.slice(0, q), [ATTR.puid]: puid };
    return this.#serverSpan(route, attributes, headers, (span, status) => {
      span.setAttribute('http.response.status_code', status);
      return status >= 500;
    });
  }

  grpcServerSpan(path: string, headers: Headers, puid: string): ServerSpan {
    const name = path.startsWith('/') ? path.slice(1) : path;
    const slash = name.lastIndexOf('/');
    const attributes: Attributes = { 'rpc.system': 'grpc', 'rpc.service': name.slice(0, slash), 'rpc.method': name.slice(slash + 1), [ATTR.puid]: puid };
    return this.#serverSpan(name, attributes, headers, (span, code) => {
      span.setAttribute('rpc.grpc.status_code', code);
      return GRPC_SERVER_ERRORS.has(code);
    });
  }

  #serverSpan(name: string, attributes: Attributes, headers: Headers, status: (span: Span, status: number) => boolean): ServerSpan {
    const parent = extract(this.#propagator, ROOT_CONTEXT, headers);
    const span = this.#tracer.startSpan(name, { kind: SpanKind.SERVER, attributes, startTime: now() }, parent);
    const context = trace.setSpan(parent, span);
    let ended = false;
    return {
      headers: inject(this.#propagator, context, headers),
      trace: context,
      end: (code, error) => {
        if (ended) return;
        ended = true;
        const isError = status(span, code);
        if (error === undefined) span.setAttribute(ATTR.outcome, 'ok');
        else fail(span, error, isError);
        span.end(now());
      },
    };
  }

  nodeObserver(node: NodeSpec, builtin: boolean): NodeObserver {
    const tracer = this.#tracer;
    const propagator = this.#propagator;
    const name = node.name;
    const steps = remoteSteps(node);
    const routes = steps.has('route');
    steps.delete('send-feedback');
    const endpoint = builtin || !callsChildServer(node) ? undefined : node.endpoint;
    const attributes: Attributes = {
      [ATTR.node]: name,
      [ATTR.type]: node.type,
      [ATTR.implementation]: node.implementation,
      [ATTR.method]: steps.size > 0 ? [...steps].join(',') : builtin ? node.implementation : 'pass-through',
      ...(endpoint === undefined ? {} : {
        [ATTR.transport]: endpoint.type,
        'server.address': endpoint.host,
        'server.port': endpoint.type === 'REST' ? endpoint.httpPort : endpoint.grpcPort,
      }),
    };
    // A node calling a model server is the client side of that call; a built-in runs in the engine.
    const kind = endpoint === undefined ? SpanKind.INTERNAL : SpanKind.CLIENT;
    Object.freeze(attributes);
    return {
      enter(_input, ctx) {
        const parent = (ctx.trace as Context | undefined) ?? extract(propagator, ROOT_CONTEXT, ctx.headers);
        const span = tracer.startSpan(name, { kind, attributes, startTime: now() }, parent);
        const context = trace.setSpan(parent, span);
        return {
          ctx: { ...ctx, headers: inject(propagator, context, ctx.headers), trace: context },
          leave(output, error) {
            if (routes) {
              const route = ctx.routing.get(name);
              if (route !== undefined) span.setAttribute(ATTR.route, route);
            }
            if (output !== undefined) span.setAttribute(ATTR.outcome, 'ok');
            else fail(span, error, true);
            span.end(now());
          },
        };
      },
      feedback(_feedback, ctx) {
        // Feedback walks the graph without visits: an event on the request's span per node reached.
        if (ctx.trace !== undefined) trace.getSpan(ctx.trace as Context)?.addEvent('feedback', { [ATTR.node]: name }, now());
      },
    };
  }

  /** Exports what is buffered, for at most CLOSE_TIMEOUT_MS: an unreachable collector must not hold the shutdown. */
  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`not done within ${CLOSE_TIMEOUT_MS} ms`)), CLOSE_TIMEOUT_MS);
      timer.unref();
    });
    try {
      await Promise.race([this.#provider.shutdown(), timeout]);
    } catch (err) {
      this.#logger.warn('tracing: could not export the last spans', { error: err instanceof Error ? err.message : String(err) });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Records a failure: `infergraph.outcome` and `error.type` are the error code; status ERROR when it counts as one. */
function fail(span: Span, error: unknown, isError: boolean): void {
  const err = toEngineError(error);
  span.setAttributes({ [ATTR.outcome]: err.code, 'error.type': err.code });
  if (isError) span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
}
