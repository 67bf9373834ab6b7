import { type Context, defaultTextMapGetter, defaultTextMapSetter, type TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { JaegerPropagator } from '@opentelemetry/propagator-jaeger';
import type { Headers } from './api';


/**
 * The trace-context headers of every format the engine knows. A span's context replaces all of them in
 * the headers forwarded to children, so no child sees a stale parent (the client's, or a format the
 * engine does not inject). Baggage headers (`baggage`, `uberctx-*`) pass through untouched.
 */
const TRACE_HEADERS: ReadonlySet<string> = new Set([
  'traceparent', 'tracestate', 'uber-trace-id', 'b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid', 'x-b3-sampled', 'x-b3-flags',
]);

/**
 * W3C trace context always, plus Jaeger `uber-trace-id` (Seldon's default) or B3 multi-header
 * (`JAEGER_TRACE_PROPAGATION_TYPE=b3`, as Seldon's executor). On extraction W3C wins when a request
 * carries both: it is listed last, and a composite propagator lets the last one that finds a context win.
 */
export function createPropagator(kind: 'jaeger' | 'b3'): TextMapPropagator {
  const legacy = kind === 'b3' ? new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }) : new JaegerPropagator();
  return new CompositePropagator({ propagators: [legacy, new W3CTraceContextPropagator()] });
}

/** The remote parent carried by the request headers (or `base` unchanged when there is none). */
export function extract(propagator: TextMapPropagator, base: Context, headers: Headers): Context {
  return propagator.extract(base, headers, defaultTextMapGetter);
}

/** A copy of `headers` whose trace-context headers are those of the span in `context`. */
export function inject(propagator: TextMapPropagator, context: Context, headers: Headers): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !TRACE_HEADERS.has(name)) out[name] = value;
  }
  propagator.inject(context, out, defaultTextMapSetter);
  return out;
}
