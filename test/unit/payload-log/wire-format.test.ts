import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { Payload } from '../../../src/message/payload';
import { encodeAttribute, type PayloadLogEvent } from '../../../src/telemetry/payload-log';
import { accounting, jsonEvent, makeLogger, NO_CODEC, sleep, TestSink, waitFor, type Received } from './helpers';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

let sink: TestSink;
before(async () => {
  sink = await TestSink.start();
});
after(async () => {
  await sink.stop();
});

/** Logs the events, waits until the sink has them all, and returns what it received. */
async function deliver(events: PayloadLogEvent[]): Promise<Received[]> {
  sink.received.length = 0;
  const h = makeLogger();
  for (const e of events) h.logger.log(e);
  const flushed = await h.logger.flush(5000);
  assert.deepEqual(flushed, { delivered: events.length, dropped: 0 });
  await h.logger.close();
  assert.equal(sink.received.length, events.length);
  return sink.received.slice();
}

function ceHeaders(r: Received): Record<string, string> {
  return Object.fromEntries(Object.entries(r.headers).filter(([k]) => k.startsWith('ce-')).map(([k, v]) => [k, String(v)]));
}

test('request, response and feedback events: exact CloudEvents binary-mode headers and body', async () => {
  const body = '{"data":{"ndarray":[[1,2]]}}';
  const mk = (type: PayloadLogEvent['type']): PayloadLogEvent => ({
    type, node: 'classifier', puid: 'req-42', url: `${sink.url}?q=1`, payload: new Payload(Buffer.from(body), 'application/json'),
  });
  const before = Date.now();
  const got = await deliver([mk('request'), mk('response'), mk('feedback')]);
  const types = ['io.seldon.serving.inference.request', 'io.seldon.serving.inference.response', 'io.seldon.serving.feedback'];
  const ids = new Set<string>();
  for (const [i, r] of got.entries()) {
    const ce = ceHeaders(r);
    assert.match(ce['ce-id'] ?? '', UUID_V4, 'Ce-Id is a fresh UUIDv4 (not the puid)');
    assert.match(ce['ce-time'] ?? '', RFC3339);
    const t = Date.parse(ce['ce-time'] ?? '');
    assert.ok(t >= before - 5 && t <= Date.now() + 5, 'Ce-Time is the time of log()');
    ids.add(ce['ce-id'] ?? '');
    delete ce['ce-id'];
    delete ce['ce-time'];
    assert.deepEqual(ce, {
      'ce-specversion': '1.0',
      'ce-type': types[i],
      'ce-source': 'http://localhost:8000/',
      'ce-modelid': 'classifier',
      'ce-requestid': 'req-42',
      'ce-inferenceservicename': 'mysdep',
      'ce-namespace': 'seldon',
      'ce-endpoint': 'default',
      'ce-protocol': 'seldon',
    });
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['content-encoding'], undefined);
    assert.equal(r.path, '/sink?q=1', 'path and query of the sink URL are kept');
    assert.equal(r.body.toString('utf8'), body);
  }
  assert.equal(ids.size, 3, 'one Ce-Id per event');
});

test('protobuf payloads are sent as their binary bytes with Content-Type application/protobuf', async () => {
  const bytes = Buffer.from([0x0a, 0x05, 0x12, 0x03, 0x00, 0xff, 0x80, 0x1a, 0x00]);
  const [r] = await deliver([{ type: 'response', node: 'm', puid: 'p', url: sink.url, payload: Payload.fromProto(bytes, 'SeldonMessage', NO_CODEC) }]);
  assert.equal(r?.headers['content-type'], 'application/protobuf');
  assert.deepEqual(r?.body, bytes);
});

test('gzip, deflate and br payloads are decoded before sending; the Content-Encoding is not forwarded', async () => {
  const { deflateSync, brotliCompressSync } = await import('node:zlib');
  const text = JSON.stringify({ strData: 'z'.repeat(5000) });
  const enc = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };
  const events = Object.entries(enc).map(([name, fn]): PayloadLogEvent => ({
    type: 'request', node: name, puid: 'p', url: sink.url, payload: new Payload(fn(Buffer.from(text)), 'application/json', name),
  }));
  const got = await deliver(events);
  for (const r of got) {
    assert.equal(r.body.toString('utf8'), text, `${String(r.headers['ce-modelid'])} decoded`);
    assert.equal(r.headers['content-encoding'], undefined);
  }
});

test('an empty Content-Type is sent as application/json; others pass through', async () => {
  const got = await deliver([
    { type: 'request', node: 'a', puid: 'p', url: sink.url, payload: new Payload(Buffer.from('{}'), '') },
    { type: 'request', node: 'b', puid: 'p', url: sink.url, payload: new Payload(Buffer.from('a=1'), 'application/x-www-form-urlencoded') },
  ]);
  assert.deepEqual(got.map((r) => r.headers['content-type']), ['application/json', 'application/x-www-form-urlencoded']);
});

test('ce-* values are percent-encoded only where the CloudEvents HTTP binding requires it', () => {
  assert.equal(encodeAttribute('model-1_a.b'), 'model-1_a.b');
  assert.equal(encodeAttribute('http://localhost:8000/'), 'http://localhost:8000/');
  assert.equal(encodeAttribute('a b"c%d'), 'a%20b%22c%25d');
  assert.equal(encodeAttribute('é\r\n'), '%C3%A9%0D%0A');
});

test('a corrupt gzip payload is dropped as bad_payload, and the next event still goes out', async () => {
  sink.received.length = 0;
  const h = makeLogger();
  h.logger.log({ type: 'request', node: 'm', puid: 'p', url: sink.url, payload: new Payload(Buffer.from('not gzip'), 'application/json', 'gzip') });
  h.logger.log(jsonEvent(sink.url));
  await h.logger.flush(5000);
  const a = await accounting(h.registry);
  assert.equal(a.dropped.bad_payload, 1);
  assert.equal(a.delivered, 1);
  assert.equal(sink.received.length, 1);
  await h.logger.close();
});

test('an empty or unparsable URL is dropped as bad_url at once, with one rate-limited log line', async () => {
  const h = makeLogger();
  for (let i = 0; i < 50; i++) {
    h.logger.log(jsonEvent(''));
    h.logger.log(jsonEvent('not a url'));
    h.logger.log(jsonEvent('ftp://127.0.0.1/x'));
  }
  const a = await accounting(h.registry);
  assert.equal(a.enqueued, 150);
  assert.equal(a.dropped.bad_url, 150);
  assert.equal(a.queued, 0);
  // Log lines are written on a later turn of the event loop; wait for the first, then for strays.
  await waitFor(() => h.lines.some((l) => l['cause'] === 'bad_url'), 1000, 'the bad_url log line');
  await sleep(20);
  const lines = h.lines.filter((l) => l['cause'] === 'bad_url');
  assert.equal(lines.length, 1, 'at most one line per second per cause');
  await h.logger.close();
});

test('more sink origins than allowed: the extra origins are refused as bad_url', async () => {
  const h = makeLogger({ maxSinkOrigins: 2 });
  h.logger.log(jsonEvent(sink.url));
  h.logger.log(jsonEvent(`http://127.0.0.1:${sink.port}/other`)); // same origin
  h.logger.log(jsonEvent('http://127.0.0.2:1/'));
  h.logger.log(jsonEvent('http://127.0.0.3:1/'));
  assert.equal(h.logger.stats().dropped.bad_url, 1);
  await h.logger.close();
});

test('5xx is retried up to the attempt bound, with the same Ce-Id; then dropped as failed', async () => {
  sink.received.length = 0;
  sink.behaviour.status = 500;
  try {
    const h = makeLogger();
    for (let i = 0; i < 5; i++) h.logger.log(jsonEvent(sink.url, { puid: `p${i}` }));
    await waitFor(() => h.logger.stats().dropped.failed === 5, 5000, '5 failed events');
    const a = await accounting(h.registry);
    assert.equal(sink.received.length, 15, '3 attempts each');
    assert.equal(a.retries, 10);
    const perId = new Map<string, number>();
    for (const id of sink.ids()) perId.set(id, (perId.get(id) ?? 0) + 1);
    assert.deepEqual([...perId.values()], [3, 3, 3, 3, 3], 'a retry resends the same event');
    assert.equal(h.lines.filter((l) => l['cause'] === 'failed').length, 1, 'failures are logged at most once a second');
    await h.logger.close();
  } finally {
    sink.behaviour.status = 200;
  }
});

test('a transient 503 is retried and then delivered', async () => {
  sink.received.length = 0;
  sink.behaviour.status = 503;
  const h = makeLogger({ retry: { attempts: 5, baseDelayMs: 40, maxDelayMs: 40 } });
  h.logger.log(jsonEvent(sink.url));
  await waitFor(() => sink.received.length >= 1, 2000, 'first attempt');
  sink.behaviour.status = 202;
  await waitFor(() => h.logger.stats().delivered === 1, 2000, 'delivery after retry');
  assert.equal(h.logger.stats().retries, 1);
  await h.logger.close();
  sink.behaviour.status = 200;
});

test('4xx is not retried: dropped as rejected after one POST', async () => {
  sink.received.length = 0;
  sink.behaviour.status = 400;
  try {
    const h = makeLogger();
    for (let i = 0; i < 5; i++) h.logger.log(jsonEvent(sink.url));
    await waitFor(() => h.logger.stats().dropped.rejected === 5, 3000, '5 rejected events');
    const a = await accounting(h.registry);
    assert.equal(sink.received.length, 5);
    assert.equal(a.retries, 0);
    assert.equal(a.enqueued, a.delivered + a.dropped.rejected + a.queued);
    await h.logger.close();
  } finally {
    sink.behaviour.status = 200;
  }
});
