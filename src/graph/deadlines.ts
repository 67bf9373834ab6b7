/** Something with a deadline: told once when it has passed, unless its Deadline was cleared first. */
export interface DeadlineOwner {
  onDeadline(): void;
}

/** One pending deadline; `clear()` when the call finished in time. */
export class Deadline {
  readonly at: number;
  readonly owner: DeadlineOwner;
  prev: Deadline | undefined;
  next: Deadline | undefined;
  #list: DeadlineList | undefined;

  constructor(list: DeadlineList, owner: DeadlineOwner, at: number) {
    this.#list = list;
    this.owner = owner;
    this.at = at;
  }

  clear(): void {
    const list = this.#list;
    if (list === undefined) return;
    this.#list = undefined;
    list.unlink(this);
  }

  /** Detaches it from its list without unlinking (the list is expiring it). */
  detach(): void {
    this.#list = undefined;
  }
}

/**
 * The deadlines of calls that all have the same duration, in one linked list with one timer.
 *
 * Why not a setTimeout per call: at one connection Node creates and tears down its timer list (and
 * the libuv timer's ref) on every call, ~2 µs of a ~120 µs request. Here a call links a node at
 * the tail and unlinks it when done, O(1) and allocation-light. Since every deadline here has the
 * same duration, the list is sorted by expiry; the timer is armed for the head's expiry and, when
 * it fires, expires every deadline that has passed and re-arms for the next. Deadlines are as
 * precise as setTimeout's (the same timer, re-armed at most once per call that outlives it). The
 * timer is unref'd: a call in flight keeps the process alive through its socket.
 */
class DeadlineList {
  readonly #ms: number;
  readonly #onIdle: () => void;
  #head: Deadline | undefined;
  #tail: Deadline | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #fire = (): void => this.#expire();

  constructor(ms: number, onIdle: () => void) {
    this.#ms = ms;
    this.#onIdle = onIdle;
  }

  /** A deadline `ms` from now; `owner.onDeadline()` runs when it passes, unless cleared. */
  add(owner: DeadlineOwner): Deadline {
    const deadline = new Deadline(this, owner, performance.now() + this.#ms);
    const tail = this.#tail;
    if (tail === undefined) this.#head = deadline;
    else {
      tail.next = deadline;
      deadline.prev = tail;
    }
    this.#tail = deadline;
    // Armed for an earlier head, the timer fires and re-arms for this one in turn.
    if (this.#timer === undefined) this.#arm(deadline.at);
    return deadline;
  }

  unlink(deadline: Deadline): void {
    const { prev, next } = deadline;
    if (prev === undefined) this.#head = next;
    else prev.next = next;
    if (next === undefined) this.#tail = prev;
    else next.prev = prev;
    deadline.prev = undefined;
    deadline.next = undefined;
  }

  /** Stops the timer; deadlines still pending never fire (for shutdown). */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(at: number): void {
    // Node's timers run on the loop's cached millisecond clock: round up so that the head has
    // really passed when the timer fires (else it re-arms for the remaining fraction of a millisecond).
    this.#timer = setTimeout(this.#fire, Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(at - performance.now()))));
    this.#timer.unref();
  }

  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    let head = this.#head;
    while (head !== undefined && head.at <= now) {
      this.unlink(head);
      head.detach();
      head.owner.onDeadline();
      head = this.#head;
    }
    if (head === undefined) this.#onIdle();
    // An owner may have added a deadline (and armed the timer) while being expired.
    else if (this.#timer === undefined) this.#arm(head.at);
  }
}

/** setTimeout's largest delay; Node turns a larger one into 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Deadlines of any duration: one DeadlineList per duration in milliseconds. A list is dropped
 * when its timer finds it empty, so durations that vary per call (a caller's own deadline) leave
 * nothing behind, and a steady duration (the configured timeout) keeps its list.
 */
export class Deadlines {
  readonly #lists = new Map<number, DeadlineList>();

  /** A deadline `ms` (whole milliseconds) from now for `owner`. */
  add(ms: number, owner: DeadlineOwner): Deadline {
    let list = this.#lists.get(ms);
    if (list === undefined) {
      list = new DeadlineList(ms, () => this.#lists.delete(ms));
      this.#lists.set(ms, list);
    }
    return list.add(owner);
  }

  /** Durations that have a list (and so a timer) now: for tests. */
  get durations(): number[] {
    return [...this.#lists.keys()];
  }

  /** Stops every timer; deadlines still pending never fire (for shutdown). */
  close(): void {
    for (const list of this.#lists.values()) list.close();
    this.#lists.clear();
  }
}
