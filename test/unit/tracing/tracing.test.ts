import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { createPropagator, extract, inject } from '../../../src/telemetry/tracing/propagation';
import { createTracing, TRACING_OFF } from '../../../src/telemetry/tracing';
import { createLogger } from '../../../src/telemetry/logger';
import type { NodeSpec } from '../../../src/graph';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const context = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.SAMPLED });

test('inject replaces every known trace header (no stale parent reaches a child) and keeps the others', () => {
  const stale = {
    traceparent: '00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbb-01',
    'uber-trace-id': 'a:b:0:1',
    b3: 'a-b-1',
    'x-b3-traceid': 'a', 'x-b3-spanid': 'b', 'x-b3-parentspanid': 'c', 'x-b3-sampled': '1', 'x-b3-flags': '1',
    baggage: 'k=v',
    'uberctx-user': 'u',
    'seldon-puid': 'p',
    'x-multi': ['1', '2'],
  };
  const jaeger = inject(createPropagator('jaeger'), context, stale);
  assert.deepEqual(jaeger, {
    traceparent: `00-${TRACE}-${SPAN}-01`,
    'uber-trace-id': `${TRACE}:${SPAN}:0:01`,
    baggage: 'k=v',
    'uberctx-user': 'u',
    'seldon-puid': 'p',
    'x-multi': ['1', '2'],
  });
  const b3 = inject(createPropagator('b3'), context, stale);
  assert.equal(b3['x-b3-traceid'], TRACE);
  assert.equal(b3['x-b3-spanid'], SPAN);
  assert.equal(b3['x-b3-sampled'], '1');
  assert.equal(b3['traceparent'], `00-${TRACE}-${SPAN}-01`);
  for (const gone of ['uber-trace-id', 'b3', 'x-b3-parentspanid', 'x-b3-flags']) assert.equal(b3[gone], undefined, gone);
  assert.equal(stale.traceparent, '00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbb-01', 'the input is not modified');
});

test('extract: W3C wins over the legacy format; Jaeger and B3 are read when alone', () => {
  const span = (headers: Record<string, string>, kind: 'jaeger' | 'b3'): string | undefined => {
    const c = trace.getSpanContext(extract(createPropagator(kind), ROOT_CONTEXT, headers));
    return c === undefined ? undefined : `${c.traceId}/${c.spanId}`;
  };
  const w3c = { traceparent: `00-${TRACE}-${SPAN}-01` };
  assert.equal(span(w3c, 'jaeger'), `${TRACE}/${SPAN}`);
  assert.equal(span({ ...w3c, 'uber-trace-id': 'aaaa:bbbb:0:1' }, 'jaeger'), `${TRACE}/${SPAN}`);
  assert.equal(span({ 'uber-trace-id': `${TRACE}:${SPAN}:0:1` }, 'jaeger'), `${TRACE}/${SPAN}`);
  assert.equal(span({ 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' }, 'b3'), `${TRACE}/${SPAN}`);
  assert.equal(span({ 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' }, 'jaeger'), undefined);
  assert.equal(span({}, 'jaeger'), undefined);
});

test('off: no server spans, no observers, and the SDK is never loaded', () => {
  assert.equal(createTracing(undefined, createLogger('ERROR', () => undefined)), TRACING_OFF);
  assert.ok(!Object.keys(require.cache).some((file) => /[\\/]telemetry[\\/]tracing[\\/]otel\.js$/.test(file)), 'otel.js not loaded');
  assert.ok(!Object.keys(require.cache).some((file) => file.includes('sdk-trace-base')), 'the SDK not loaded');
  assert.equal(TRACING_OFF.enabled, false);
  assert.equal(TRACING_OFF.httpServerSpan('predictions', 'POST', '/', {}, 'p'), undefined);
  assert.equal(TRACING_OFF.grpcServerSpan('/seldon.protos.Seldon/Predict', {}, 'p'), undefined);
  const node = { name: 'm', type: 'MODEL', implementation: 'UNKNOWN_IMPLEMENTATION', methods: [], endpoint: undefined, parameters: [], logger: undefined, children: [] } satisfies NodeSpec;
  assert.equal(TRACING_OFF.nodeObserver(node, false), undefined);
});
