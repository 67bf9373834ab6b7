/**
 * The payload logger's queue: a FIFO bounded in entries and in bytes, plus a second bounded FIFO of
 * entries waiting (up to `waitMs`) for room, which is what Go's blocked channel senders were, minus
 * the unbounded goroutine pile. Every operation is O(1) amortised; waiting entries share one timer.
 */

/** Limits of the queue; all sizes are inclusive maxima. */
export interface QueueBounds {
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly maxWaitingEntries: number;
  readonly maxWaitingBytes: number;
  /** How long an entry may wait for room; <= 0: an entry that does not fit is refused at once. */
  readonly waitMs: number;
}

/** What `offer` did with an entry. */
export type OfferResult = 'queued' | 'waiting' | 'full';

/** Array-backed FIFO with a moving head; compacts when the dead prefix is half the array. */
class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  peek(): T | undefined {
    return this.#items[this.#head];
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined; // let the payload be collected now, not at compaction
    this.#head += 1;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Removes and returns everything, oldest first. */
  clear(): T[] {
    const rest = this.#items.slice(this.#head) as T[];
    this.#items = [];
    this.#head = 0;
    return rest;
  }
}

interface Waiter<T> {
  readonly item: T;
  readonly deadline: number;
}

/** High-water marks, kept so tests and operators can check that the bounds held. */
export interface QueuePeaks {
  readonly entries: number;
  readonly bytes: number;
  readonly waitingEntries: number;
  readonly waitingBytes: number;
}

/** Bounded queue of items that know their size. Not thread-safe (nothing in Node needs it to be). */
export class BoundedQueue<T extends { readonly bytes: number }> {
  readonly #bounds: QueueBounds;
  readonly #onExpired: (item: T) => void;
  readonly #ready = new Fifo<T>();
  readonly #waiting = new Fifo<Waiter<T>>();
  #readyBytes = 0;
  #waitingBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #peaks = { entries: 0, bytes: 0, waitingEntries: 0, waitingBytes: 0 };

  /** `onExpired` receives each entry that waited `waitMs` without finding room. */
  constructor(bounds: QueueBounds, onExpired: (item: T) => void) {
    this.#bounds = bounds;
    this.#onExpired = onExpired;
  }

  get entries(): number {
    return this.#ready.length;
  }

  get bytes(): number {
    return this.#readyBytes;
  }

  get waitingEntries(): number {
    return this.#waiting.length;
  }

  get waitingBytes(): number {
    return this.#waitingBytes;
  }

  get peaks(): QueuePeaks {
    return { ...this.#peaks };
  }

  /** Queues the item, parks it to wait for room, or refuses it; never blocks. */
  offer(item: T): OfferResult {
    const b = this.#bounds;
    // Waiters go first (FIFO); an item larger than the whole byte budget could never get in.
    if (this.#waiting.length === 0 && this.#fits(item)) {
      this.#enqueue(item);
      return 'queued';
    }
    if (b.waitMs <= 0 || item.bytes > b.maxBytes) return 'full';
    if (this.#waiting.length >= b.maxWaitingEntries || this.#waitingBytes + item.bytes > b.maxWaitingBytes) return 'full';
    this.#waiting.push({ item, deadline: performance.now() + b.waitMs });
    this.#waitingBytes += item.bytes;
    this.#peaks.waitingEntries = Math.max(this.#peaks.waitingEntries, this.#waiting.length);
    this.#peaks.waitingBytes = Math.max(this.#peaks.waitingBytes, this.#waitingBytes);
    this.#arm();
    return 'waiting';
  }

  /** The oldest queued item, if any; the room it frees goes to the oldest waiters. */
  take(): T | undefined {
    const item = this.#ready.shift();
    if (item === undefined) return undefined;
    this.#readyBytes -= item.bytes;
    this.#promote();
    return item;
  }

  /** Removes every queued and waiting item (shutdown), oldest first. */
  drain(): T[] {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const items = this.#ready.clear();
    for (const w of this.#waiting.clear()) items.push(w.item);
    this.#readyBytes = 0;
    this.#waitingBytes = 0;
    return items;
  }

  #fits(item: T): boolean {
    return this.#ready.length < this.#bounds.maxEntries && this.#readyBytes + item.bytes <= this.#bounds.maxBytes;
  }

  #enqueue(item: T): void {
    this.#ready.push(item);
    this.#readyBytes += item.bytes;
    this.#peaks.entries = Math.max(this.#peaks.entries, this.#ready.length);
    this.#peaks.bytes = Math.max(this.#peaks.bytes, this.#readyBytes);
  }

  #promote(): void {
    for (let w = this.#waiting.peek(); w !== undefined && this.#fits(w.item); w = this.#waiting.peek()) {
      this.#waiting.shift();
      this.#waitingBytes -= w.item.bytes;
      this.#enqueue(w.item);
    }
  }

  /** One timer for the oldest waiter; waiters' deadlines only grow, so it never fires late. */
  #arm(): void {
    if (this.#timer !== undefined) return;
    const head = this.#waiting.peek();
    if (head === undefined) return;
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, head.deadline - performance.now()) + 1);
    this.#timer.unref();
  }

  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    for (let w = this.#waiting.peek(); w !== undefined && w.deadline <= now; w = this.#waiting.peek()) {
      this.#waiting.shift();
      this.#waitingBytes -= w.item.bytes;
      this.#onExpired(w.item);
    }
    this.#arm();
  }
}
