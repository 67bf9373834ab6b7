import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accounting, freePort, jsonEvent, makeLogger, sleep, sumDropped, TestSink, waitFor } from './helpers';

test('flush with a healthy sink: everything queued (and waiting for room) is delivered before it resolves', async (t) => {
  const sink = await TestSink.start(0, { delayMs: 30 });
  t.after(() => sink.stop());
  const h = makeLogger({ workers: 2, maxQueueEntries: 5, enqueueWaitMs: 5000 });
  for (let i = 0; i < 12; i++) h.logger.log(jsonEvent(sink.url, { puid: `p${i}` }));
  assert.equal(h.logger.stats().waitingEntries, 5, 'maxWaitingEntries defaults to maxQueueEntries');
  assert.equal(h.logger.stats().dropped.queue_full, 2);
  const t0 = performance.now();
  const result = await h.logger.flush(5000);
  assert.deepEqual(result, { delivered: 10, dropped: 0 });
  assert.equal(sink.received.length, 10, 'the sink has them all when flush resolves');
  assert.ok(performance.now() - t0 < 2000);
  assert.deepEqual(new Set(sink.received.map((r) => r.headers['ce-requestid'])).size, 10);

  // After flush nothing new is accepted, but it is still counted.
  h.logger.log(jsonEvent(sink.url));
  const a = await accounting(h.registry);
  assert.equal(a.enqueued, 13);
  assert.equal(a.dropped.shutdown, 1);
  assert.equal(a.enqueued, a.delivered + sumDropped(a.dropped) + a.queued);
  assert.ok(h.lines.some((l) => l['msg'] === 'payload log flushed'));
  assert.equal(h.logger.flush(1), h.logger.flush(1), 'flush twice: the same promise');
  await h.logger.close();
  await h.logger.close(); // idempotent
});

test('flush with a black-hole sink: resolves at its deadline, the rest is dropped as shutdown', async (t) => {
  const sink = await TestSink.start(0, { hang: true });
  t.after(() => sink.stop());
  const h = makeLogger({ workers: 2, sendTimeoutMs: 60_000 });
  for (let i = 0; i < 10; i++) h.logger.log(jsonEvent(sink.url));
  await waitFor(() => sink.received.length === 2, 2000, 'both workers to be stuck on the sink');
  const t0 = performance.now();
  const result = await h.logger.flush(300);
  const took = performance.now() - t0;
  assert.ok(took >= 290 && took < 800, `flush took ${took.toFixed(0)} ms`);
  assert.deepEqual(result, { delivered: 0, dropped: 10 });
  const a = await accounting(h.registry);
  assert.deepEqual({ enqueued: a.enqueued, shutdown: a.dropped.shutdown, queued: a.queued }, { enqueued: 10, shutdown: 10, queued: 0 });
  const line = h.lines.find((l) => l['msg'] === 'payload log flushed; events dropped at shutdown');
  assert.equal(line?.['droppedShutdown'], 10);
  await h.logger.close();
});

test('flush with a dead sink: retry backoffs are cut short at the deadline', async () => {
  const h = makeLogger({ workers: 2, retry: { attempts: 5, baseDelayMs: 10_000, maxDelayMs: 10_000 } });
  for (let i = 0; i < 4; i++) h.logger.log(jsonEvent(`http://127.0.0.1:${await freePort()}/`));
  await waitFor(() => h.logger.stats().inFlight === 2, 2000, 'workers in backoff');
  await sleep(50);
  const t0 = performance.now();
  assert.deepEqual(await h.logger.flush(200), { delivered: 0, dropped: 4 });
  assert.ok(performance.now() - t0 < 700);
  assert.equal(h.logger.stats().dropped.shutdown, 4);
  await h.logger.close();
});

test('flush of an idle logger resolves at once', async () => {
  const h = makeLogger();
  const t0 = performance.now();
  assert.deepEqual(await h.logger.flush(10_000), { delivered: 0, dropped: 0 });
  assert.ok(performance.now() - t0 < 100);
  await h.logger.close();
});

test('enqueueWaitMs <= 0: an event that does not fit is dropped at once, deterministically', async (t) => {
  const sink = await TestSink.start(0, { hang: true });
  t.after(() => sink.stop());
  for (const wait of [0, -1]) {
    const h = makeLogger({ workers: 1, maxQueueEntries: 5, enqueueWaitMs: wait, sendTimeoutMs: 60_000 });
    for (let i = 0; i < 20; i++) h.logger.log(jsonEvent(sink.url));
    // Counted synchronously, before the event loop could free anything.
    let s = h.logger.stats();
    assert.deepEqual({ queued: s.queueEntries, waiting: s.waitingEntries, full: s.dropped.queue_full }, { queued: 5, waiting: 0, full: 15 });
    await waitFor(() => h.logger.stats().inFlight === 1, 2000, 'the worker to take one');
    h.logger.log(jsonEvent(sink.url)); // fits again: the worker freed a slot
    h.logger.log(jsonEvent(sink.url)); // does not
    s = h.logger.stats();
    assert.deepEqual({ queued: s.queueEntries, full: s.dropped.queue_full }, { queued: 5, full: 16 });
    await h.logger.close();
  }
});

test('the byte bound: an event too big for the queue is dropped at once, even with a wait', async (t) => {
  const sink = await TestSink.start(0, { hang: true });
  t.after(() => sink.stop());
  const h = makeLogger({ workers: 1, maxQueueBytes: 4096, enqueueWaitMs: 5000 });
  h.logger.log(jsonEvent(sink.url, { size: 5000 }));
  assert.equal(h.logger.stats().dropped.queue_full, 1);
  h.logger.log(jsonEvent(sink.url, { size: 3000 }));
  h.logger.log(jsonEvent(sink.url, { size: 3000 })); // waits: bytes, not entries, are short
  const s = h.logger.stats();
  assert.deepEqual({ queued: s.queueEntries, waiting: s.waitingEntries, full: s.dropped.queue_full }, { queued: 1, waiting: 1, full: 1 });
  await h.logger.close();
  assert.equal(h.logger.stats().dropped.shutdown, 2);
});

test('enqueueWaitMs > 0: events wait for room, and are dropped when none frees up in time', async (t) => {
  const sink = await TestSink.start(0, { hang: true });
  t.after(() => sink.stop());
  const h = makeLogger({ workers: 1, maxQueueEntries: 5, enqueueWaitMs: 100, sendTimeoutMs: 60_000 });
  for (let i = 0; i < 20; i++) h.logger.log(jsonEvent(sink.url));
  let s = h.logger.stats();
  assert.deepEqual({ queued: s.queueEntries, waiting: s.waitingEntries, full: s.dropped.queue_full }, { queued: 5, waiting: 5, full: 10 });
  // The worker takes one event (and hangs on it): the oldest waiter gets its slot.
  await waitFor(() => h.logger.stats().inFlight === 1, 2000, 'the worker to take one');
  s = h.logger.stats();
  assert.deepEqual({ queued: s.queueEntries, waiting: s.waitingEntries }, { queued: 5, waiting: 4 });
  await waitFor(() => h.logger.stats().waitingEntries === 0, 2000, 'waiters to time out');
  assert.equal(h.logger.stats().dropped.queue_full, 14);
  await sleep(20); // log lines are written on a later turn of the event loop
  assert.equal(h.lines.filter((l) => l['cause'] === 'queue_full').length, 1, '14 drops within a second: one log line');
  const a = await accounting(h.registry);
  assert.equal(a.enqueued, a.delivered + sumDropped(a.dropped) + a.queued);
  assert.equal(a.queued, 6);
  await h.logger.close();
});
