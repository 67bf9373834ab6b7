import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedQueue, type QueueBounds } from '../../../src/telemetry/payload-log/bounded-queue';
import { sleep } from './helpers';

interface Item {
  readonly id: number;
  readonly bytes: number;
}

function queue(bounds: Partial<QueueBounds> = {}): { q: BoundedQueue<Item>; expired: number[] } {
  const expired: number[] = [];
  const q = new BoundedQueue<Item>({ maxEntries: 3, maxBytes: 100, maxWaitingEntries: 2, maxWaitingBytes: 100, waitMs: 0, ...bounds }, (i) => expired.push(i.id));
  return { q, expired };
}

const item = (id: number, bytes = 10): Item => ({ id, bytes });

test('FIFO within the entry bound; refuses at once when waiting is off', () => {
  const { q } = queue();
  assert.deepEqual([1, 2, 3, 4].map((i) => q.offer(item(i))), ['queued', 'queued', 'queued', 'full']);
  assert.deepEqual([q.take()?.id, q.take()?.id, q.take()?.id, q.take()], [1, 2, 3, undefined]);
  assert.equal(q.bytes, 0);
});

test('the byte bound holds, and an item larger than it is refused even when waiting is on', () => {
  const { q } = queue({ waitMs: 1000 });
  assert.equal(q.offer(item(1, 101)), 'full');
  assert.equal(q.offer(item(2, 60)), 'queued');
  assert.equal(q.offer(item(3, 50)), 'waiting');
  assert.equal(q.bytes, 60);
  assert.equal(q.take()?.id, 2);
  assert.deepEqual({ entries: q.entries, bytes: q.bytes, waiting: q.waitingEntries }, { entries: 1, bytes: 50, waiting: 0 });
  q.drain();
});

test('waiters are bounded, FIFO, and take freed room before newcomers', () => {
  const { q } = queue({ waitMs: 1000 });
  for (let i = 1; i <= 3; i++) q.offer(item(i));
  assert.deepEqual([q.offer(item(4)), q.offer(item(5)), q.offer(item(6))], ['waiting', 'waiting', 'full']);
  assert.equal(q.take()?.id, 1);
  assert.deepEqual({ entries: q.entries, waiting: q.waitingEntries }, { entries: 3, waiting: 1 });
  assert.equal(q.offer(item(7)), 'waiting', 'a newcomer queues behind the waiter even if room appeared');
  assert.deepEqual(q.drain().map((i) => i.id), [2, 3, 4, 5, 7]);
  assert.deepEqual({ entries: q.entries, waiting: q.waitingEntries, bytes: q.bytes, waitingBytes: q.waitingBytes }, { entries: 0, waiting: 0, bytes: 0, waitingBytes: 0 });
  assert.deepEqual(q.peaks, { entries: 3, bytes: 30, waitingEntries: 2, waitingBytes: 20 });
});

test('waiters that find no room in waitMs expire, oldest first', async () => {
  const { q, expired } = queue({ waitMs: 30 });
  for (let i = 1; i <= 3; i++) q.offer(item(i));
  q.offer(item(4));
  await sleep(15);
  q.offer(item(5));
  await sleep(25);
  assert.deepEqual(expired, [4]);
  await sleep(30);
  assert.deepEqual(expired, [4, 5]);
  assert.equal(q.waitingBytes, 0);
  assert.equal(q.entries, 3);
});

test('the dead prefix is compacted: a long run of offers and takes stays O(1) and correct', () => {
  const { q } = queue({ maxEntries: 10_000, maxBytes: 1e9 });
  let next = 0;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 3000; i++) q.offer(item(round * 3000 + i, 1));
    for (let i = 0; i < 2900; i++) assert.equal(q.take()?.id, next++);
  }
  assert.equal(q.entries, 50 * 100);
});
