import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { startChild, type ChildServer, type ReceivedCall } from '../helpers/child-server';
import { startEngine, type RunningEngine } from '../helpers/engine';
import { FEEDBACK, PREDICT, model, outputTransformer, predictorSpec, tagger, transformer } from '../helpers/graphs';
import { grpcEndpoint, startGrpcChild, type GrpcChild, type GrpcReceivedCall } from '../helpers/grpc-child';
import { SeldonGrpcClient } from '../helpers/grpc-client';

/**
 * Tracing end to end: the real engine exports over OTLP/HTTP (JSON) to a real receiver in this test,
 * and real child servers record the trace context they received. A three-node chain
 * (OUTPUT_TRANSFORMER → TRANSFORMER → MODEL) must give one trace: the server span, then one span per
 * node nested as the graph is, and each child must have been called with its node's span as parent.
 */

/** OTLP span kinds (the wire values). */
const KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;
/** OTLP status codes. */
const STATUS_ERROR = 2;

type AttrValue = string | number | boolean;

interface ExportedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** '' for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly start: bigint;
  readonly end: bigint;
  readonly attributes: Readonly<Record<string, AttrValue>>;
  readonly status: { readonly code: number; readonly message: string };
  readonly events: readonly { readonly name: string; readonly attributes: Readonly<Record<string, AttrValue>> }[];
  readonly resource: Readonly<Record<string, AttrValue>>;
}

interface OtlpKeyValue { key: string; value: Record<string, unknown> }
interface OtlpSpan {
  traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number;
  startTimeUnixNano: string | number; endTimeUnixNano: string | number;
  attributes?: OtlpKeyValue[]; status?: { code?: number; message?: string }; events?: { name: string; attributes?: OtlpKeyValue[] }[];
}
interface OtlpRequest { resourceSpans?: { resource?: { attributes?: OtlpKeyValue[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[] }

function attrs(list: readonly OtlpKeyValue[] | undefined): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const { key, value } of list ?? []) {
    const v = value.stringValue ?? value.intValue ?? value.doubleValue ?? value.boolValue;
    // intValue may come as a string (int64 in JSON).
    out[key] = value.intValue !== undefined ? Number(value.intValue) : (v as AttrValue);
  }
  return out;
}

/** An OTLP/HTTP receiver: accepts POST /v1/traces (JSON, gzip or not) and keeps every span. */
interface Receiver {
  readonly url: string;
  readonly requests: { readonly path: string; readonly headers: IncomingHttpHeaders }[];
  readonly spans: ExportedSpan[];
  /** Resolves with the spans of `traceId` once there are `count` of them (fails after 5 s). */
  trace(traceId: string, count: number): Promise<ExportedSpan[]>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const requests: Receiver['requests'][number][] = [];
  const spans: ExportedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers });
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const parsed = JSON.parse(body.toString('utf8')) as OtlpRequest;
      for (const rs of parsed.resourceSpans ?? []) {
        const resource = attrs(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name, kind: s.kind,
              start: BigInt(s.startTimeUnixNano), end: BigInt(s.endTimeUnixNano),
              attributes: attrs(s.attributes), status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
              events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attrs(e.attributes) })), resource,
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    spans,
    async trace(traceId, count) {
      const until = Date.now() + 5_000;
      for (;;) {
        const found = spans.filter((s) => s.traceId === traceId);
        if (found.length >= count) return found;
        if (Date.now() > until) assert.fail(`trace ${traceId}: ${found.length} of ${count} spans arrived (${spans.length} spans in all: ${spans.map((s) => s.name).join(', ')})`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const closers: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  closers.push(() => r.close());
  return r;
}

async function child(script: Parameters<typeof startChild>[0]): Promise<ChildServer> {
  const c = await startChild(script);
  closers.push(() => c.close());
  return c;
}

async function engine(spec: unknown, env: Record<string, string>): Promise<RunningEngine> {
  const e = await startEngine({ spec, env });
  closers.push(() => e.stop());
  return e;
}

/** Tracing on, exporting JSON to `r` quickly. */
function tracingEnv(r: Receiver, extra: Record<string, string> = {}): Record<string, string> {
  return { OTEL_EXPORTER_OTLP_ENDPOINT: r.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_SERVICE_NAME: 'tracing-test', ...extra };
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

/** `00-<trace>-<span>-<flags>` parsed. */
function traceparent(value: string): { traceId: string; spanId: string; flags: string } {
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(value);
  assert.ok(m !== null, `not a traceparent: ${JSON.stringify(value)}`);
  return { traceId: m[1] ?? '', spanId: m[2] ?? '', flags: m[3] ?? '' };
}

function only(spans: readonly ExportedSpan[], name: string): ExportedSpan {
  const found = spans.filter((s) => s.name === name);
  assert.equal(found.length, 1, `one span named ${name} (got ${spans.map((s) => s.name).join(', ')})`);
  return found[0] as ExportedSpan;
}

/** The server span and three node spans ot → t → m of one chain request, checked for shape and nesting. */
function assertChainTrace(spans: readonly ExportedSpan[], serverName: string, remoteParent: string): { server: ExportedSpan; ot: ExportedSpan; t: ExportedSpan; m: ExportedSpan } {
  assert.equal(spans.length, 4, `server span and three node spans: ${spans.map((s) => s.name).join(', ')}`);
  const server = only(spans, serverName);
  const [ot, t, m] = ['ot', 't', 'm'].map((n) => only(spans, n)) as [ExportedSpan, ExportedSpan, ExportedSpan];
  assert.equal(server.kind, KIND.SERVER);
  assert.equal(server.parentSpanId, remoteParent, 'the server span is the root, or the child of the caller\'s span');
  // Right parent order: server → ot → t → m, as the graph nests.
  assert.equal(ot.parentSpanId, server.spanId);
  assert.equal(t.parentSpanId, ot.spanId);
  assert.equal(m.parentSpanId, t.spanId);
  // And in time: each child span inside its parent.
  for (const [parent, kid] of [[server, ot], [ot, t], [t, m]] as const) {
    assert.ok(parent.start <= kid.start && kid.end <= parent.end, `${kid.name} lies within ${parent.name}`);
  }
  for (const [span, type, method] of [[ot, 'OUTPUT_TRANSFORMER', 'transform-output'], [t, 'TRANSFORMER', 'transform-input'], [m, 'MODEL', 'predict']] as const) {
    assert.equal(span.kind, KIND.CLIENT, `${span.name} calls a model server`);
    assert.equal(span.attributes['infergraph.node'], span.name);
    assert.equal(span.attributes['infergraph.type'], type);
    assert.equal(span.attributes['infergraph.method'], method);
    assert.equal(typeof span.attributes['infergraph.implementation'], 'string');
    assert.equal(typeof span.attributes['server.port'], 'number');
  }
  for (const span of spans) assert.equal(span.resource['service.name'], 'tracing-test');
  return { server, ot, t, m };
}

test('REST: one trace, the server span then a span per node in graph order; each child gets its node\'s context (W3C and Jaeger)', async () => {
  const r = await receiver();
  const [ot, t, m] = await Promise.all([child(tagger('ot')), child(tagger('t')), child(tagger('m'))]);
  const graph = outputTransformer('ot', ot.port, [transformer('t', t.port, [model('m', m.port)])]);
  const e = await engine(predictorSpec(graph), tracingEnv(r));
  assert.ok(e.output.some((l) => l.includes('"msg":"tracing on"')), 'the engine logs that tracing is on');

  const reply = await e.post(PREDICT, { strData: '' });
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.json(), { strData: '|t/transform-input|m/predict|ot/transform-output' });

  const received = traceparent(header(m.calls[0]?.headers ?? {}, 'traceparent'));
  const spans = await r.trace(received.traceId, 4);
  const { server, ...nodes } = assertChainTrace(spans, 'predictions', '');
  assert.equal(server.attributes['http.request.method'], 'POST');
  assert.equal(server.attributes['url.path'], PREDICT);
  assert.equal(server.attributes['http.response.status_code'], 200);
  assert.equal(server.attributes['seldon.puid'], reply.headers.get('seldon-puid'));
  assert.equal(server.attributes['infergraph.outcome'], 'ok');
  for (const span of Object.values(nodes)) {
    assert.equal(span.attributes['infergraph.outcome'], 'ok');
    assert.equal(span.attributes['infergraph.transport'], 'REST');
    assert.notEqual(span.status.code, STATUS_ERROR);
  }

  // Each child server was called with its own node's span as the parent, sampled.
  const calls: [ChildServer, string, ExportedSpan][] = [[ot, '/transform-output', nodes.ot], [t, '/transform-input', nodes.t], [m, '/predict', nodes.m]];
  for (const [server_, path, span] of calls) {
    const call = server_.callsTo(path)[0] as ReceivedCall;
    const tp = traceparent(header(call.headers, 'traceparent'));
    assert.deepEqual(tp, { traceId: server.traceId, spanId: span.spanId, flags: '01' }, `traceparent received by ${span.name}`);
    // Jaeger propagation (the default): uber-trace-id {trace}:{span}:{parent}:{flags}.
    const uber = header(call.headers, 'uber-trace-id').split(':');
    assert.equal(uber[0]?.padStart(32, '0'), server.traceId, `uber-trace-id trace of ${span.name}`);
    assert.equal(uber[1]?.padStart(16, '0'), span.spanId, `uber-trace-id span of ${span.name}`);
    assert.equal(header(call.headers, 'x-b3-traceid'), '', 'no B3 headers unless asked for');
  }

  // Feedback: a server span named "feedback" (Seldon named it "status"), an event per node reached,
  // and the model's send-feedback carries the feedback span's context.
  const fb = await e.post(FEEDBACK, { request: { strData: 'x' }, response: { strData: 'y' }, reward: 1 });
  assert.equal(fb.status, 200);
  const fbCall = m.callsTo('/send-feedback')[0] as ReceivedCall;
  const fbTp = traceparent(header(fbCall.headers, 'traceparent'));
  const [feedback] = await r.trace(fbTp.traceId, 1);
  assert.ok(feedback !== undefined);
  assert.equal(feedback.name, 'feedback');
  assert.equal(feedback.kind, KIND.SERVER);
  assert.equal(feedback.spanId, fbTp.spanId);
  assert.deepEqual(feedback.events.filter((ev) => ev.name === 'feedback').map((ev) => ev.attributes['infergraph.node']), ['ot', 't', 'm']);
});

test('REST with B3 propagation: continues the caller\'s trace, children get x-b3-* and traceparent, stale headers are replaced; failures are marked', async () => {
  const r = await receiver();
  const mScript = tagger('m');
  const [ot, t, m] = await Promise.all([
    child(tagger('ot')),
    child(tagger('t')),
    child((call) => (call.text.includes('fail') ? { status: 503, json: { error: 'model down' } } : mScript(call))),
  ]);
  const graph = outputTransformer('ot', ot.port, [transformer('t', t.port, [model('m', m.port)])]);
  const e = await engine(predictorSpec(graph), tracingEnv(r, { JAEGER_TRACE_PROPAGATION_TYPE: 'b3' }));

  const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
  const callerSpan = '00f067aa0ba902b7';
  const reply = await e.post(PREDICT, { strData: '' }, {
    traceparent: `00-${callerTrace}-${callerSpan}-01`,
    // A stale Jaeger header from the caller must not reach the children.
    'uber-trace-id': 'aaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbb:0:1',
  });
  assert.equal(reply.status, 200);
  const spans = await r.trace(callerTrace, 4);
  const { server, ...nodes } = assertChainTrace(spans, 'predictions', callerSpan);
  assert.equal(server.traceId, callerTrace);
  for (const [c, path, span] of [[ot, '/transform-output', nodes.ot], [t, '/transform-input', nodes.t], [m, '/predict', nodes.m]] as const) {
    const h = (c.callsTo(path)[0] as ReceivedCall).headers;
    assert.equal(header(h, 'x-b3-traceid'), callerTrace, `x-b3-traceid received by ${span.name}`);
    assert.equal(header(h, 'x-b3-spanid'), span.spanId, `x-b3-spanid received by ${span.name}`);
    assert.equal(header(h, 'x-b3-sampled'), '1');
    assert.deepEqual(traceparent(header(h, 'traceparent')), { traceId: callerTrace, spanId: span.spanId, flags: '01' });
    assert.equal(header(h, 'uber-trace-id'), '', `no stale uber-trace-id at ${span.name}`);
  }

  // A failing model: its span and its ancestors' are errors with the engine's code, the server span has the status.
  const failTrace = '0af7651916cd43dd8448eb211c80319c';
  const failed = await e.post(PREDICT, { strData: 'fail' }, { traceparent: `00-${failTrace}-b7ad6b7169203331-01` });
  assert.equal(failed.status, 503);
  const failSpans = await r.trace(failTrace, 4);
  const failServer = only(failSpans, 'predictions');
  assert.equal(failServer.attributes['http.response.status_code'], 503);
  assert.equal(failServer.attributes['infergraph.outcome'], 'CHILD_STATUS');
  assert.equal(failServer.status.code, STATUS_ERROR);
  for (const name of ['m', 't', 'ot']) {
    const span = only(failSpans, name);
    assert.equal(span.attributes['infergraph.outcome'], 'CHILD_STATUS', `outcome of ${name}`);
    assert.equal(span.attributes['error.type'], 'CHILD_STATUS');
    assert.equal(span.status.code, STATUS_ERROR, `status of ${name}`);
  }
  // The output transformer was never called: its span ends with the error, and no call carries it.
  assert.equal(ot.callsTo('/transform-output').length, 1);
});

test('gRPC in, gRPC children: the server span is the gRPC method, node spans nest, metadata carries traceparent', async () => {
  const r = await receiver();
  const g: GrpcChild = await startGrpcChild((call) => ({ json: { strData: `${(call.request as { strData?: string }).strData ?? ''}|${call.method.split('/').pop() ?? ''}` } }));
  closers.push(() => g.close());
  const ep = grpcEndpoint(g.port);
  const graph = { name: 'ot', type: 'OUTPUT_TRANSFORMER', endpoint: ep, children: [{ name: 't', type: 'TRANSFORMER', endpoint: ep, children: [{ name: 'm', type: 'MODEL', endpoint: ep, children: [] }] }] };
  const e = await engine(predictorSpec(graph), tracingEnv(r));
  const client = new SeldonGrpcClient(e.grpcPort);
  closers.push(() => client.close());

  const answer = await client.call('Predict', { strData: '' });
  assert.equal(answer.code, 0, answer.details);
  assert.deepEqual(answer.json, { strData: '|TransformInput|Predict|TransformOutput' });

  const byMethod = (method: string): GrpcReceivedCall => g.callsTo(method)[0] as GrpcReceivedCall;
  const first = traceparent(String(byMethod('/seldon.protos.Model/Predict').metadata.get('traceparent')[0] ?? ''));
  const spans = await r.trace(first.traceId, 4);
  const { server, ...nodes } = assertChainTrace(spans, 'seldon.protos.Seldon/Predict', '');
  assert.equal(server.attributes['rpc.system'], 'grpc');
  assert.equal(server.attributes['rpc.service'], 'seldon.protos.Seldon');
  assert.equal(server.attributes['rpc.method'], 'Predict');
  assert.equal(server.attributes['rpc.grpc.status_code'], 0);
  assert.equal(server.attributes['seldon.puid'], String(answer.header?.get('seldon-puid')[0] ?? ''));
  for (const [method, span] of [['/seldon.protos.OutputTransformer/TransformOutput', nodes.ot], ['/seldon.protos.Transformer/TransformInput', nodes.t], ['/seldon.protos.Model/Predict', nodes.m]] as const) {
    assert.equal(span.attributes['infergraph.transport'], 'GRPC');
    const tp = traceparent(String(byMethod(method).metadata.get('traceparent')[0] ?? ''));
    assert.deepEqual(tp, { traceId: server.traceId, spanId: span.spanId, flags: '01' }, `traceparent metadata of ${method}`);
  }
});

test('off: no endpoint, or OTEL_SDK_DISABLED=true, exports nothing and passes the caller\'s trace headers through unchanged', async () => {
  const r = await receiver();
  const m = await child(tagger('m'));
  const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const engines = [
    await engine(predictorSpec(model('m', m.port)), {}),
    await engine(predictorSpec(model('m', m.port)), tracingEnv(r, { OTEL_SDK_DISABLED: 'true' })),
    await engine(predictorSpec(model('m', m.port)), tracingEnv(r, { OTEL_TRACES_EXPORTER: 'none' })),
  ];
  for (const e of engines) {
    assert.ok(!e.output.some((l) => l.includes('"msg":"tracing on"')));
    const before = m.calls.length;
    const reply = await e.post(PREDICT, { strData: '' }, { traceparent: incoming, 'uber-trace-id': 'abc:def:0:1' });
    assert.equal(reply.status, 200);
    const call = m.calls[before] as ReceivedCall;
    assert.equal(header(call.headers, 'traceparent'), incoming);
    assert.equal(header(call.headers, 'uber-trace-id'), 'abc:def:0:1');
    // Stopping flushes whatever a tracer would have buffered.
    assert.equal(await e.stop(), 0);
  }
  assert.equal(r.requests.length, 0, 'the receiver got no export');
});
