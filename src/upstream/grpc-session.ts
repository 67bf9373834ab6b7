import { connect, type ClientHttp2Session } from 'node:http2';

/**
 * One HTTP/2 connection to a gRPC child, made again when it went away (the child restarted, sent
 * GOAWAY, the socket broke). A failed connect is remembered for BACKOFF_MS, during which calls fail
 * at once with its reason instead of each trying again (grpc's initial reconnect backoff is 1 s);
 * any connection of the same child that comes up ends the backoff for all of them.
 */
export class GrpcSession {
  /** Calls in flight on this connection slot (kept by runUnary). */
  active = 0;
  readonly #authority: string;
  readonly #health: TargetHealth;
  readonly #pingTimeoutMs: number;
  #session: ClientHttp2Session | undefined;
  #closed = false;
  #probing = false;

  constructor(authority: string, health: TargetHealth, pingTimeoutMs: number) {
    this.#authority = authority;
    this.#health = health;
    this.#pingTimeoutMs = pingTimeoutMs;
  }

  /** A session to start a stream on (possibly still connecting: Node queues the stream), or why there is none. */
  acquire(): ClientHttp2Session | string {
    const current = this.#session;
    if (current !== undefined && !current.closed && !current.destroyed) return current;
    if (this.#closed) return 'the engine is shutting down';
    const failure = this.#health.failure();
    if (failure !== undefined) return failure;
    return this.connect();
  }

  /** Connects now (at graph load, and for readiness checks even during a backoff). */
  connect(): ClientHttp2Session {
    const session = connect(this.#authority, SESSION_OPTIONS);
    this.#session = session;
    let connected = false;
    session.once('connect', () => {
      connected = true;
      this.#health.up();
      // The connection's own window too, not only each stream's (SESSION_OPTIONS).
      session.setLocalWindowSize(WINDOW_BYTES);
    });
    session.on('error', (err: Error) => {
      if (!connected) this.#health.down(err.message);
    });
    // After GOAWAY no new stream may start here; calls already running finish on it.
    const drop = (): void => {
      if (this.#session === session) this.#session = undefined;
    };
    session.once('goaway', drop);
    session.once('close', drop);
    // Like grpc-js: an idle connection to a child does not keep the process alive.
    session.unref();
    return session;
  }

  /**
   * After a call on `session` ran out of time: checks that the connection still answers an HTTP/2
   * PING, and drops it when it does not within the ping timeout, so later calls get a new one rather
   * than queueing on a dead peer (a half-open TCP connection is otherwise only noticed after minutes,
   * and calls fill the first connection, see ChannelSet).
   */
  probe(session: ClientHttp2Session): void {
    if (this.#probing || session.destroyed || session.closed) return;
    this.#probing = true;
    const timer = setTimeout(() => session.destroy(new Error(`no answer to an HTTP/2 PING within ${this.#pingTimeoutMs} ms`)), this.#pingTimeoutMs);
    const done = (err: Error | null): void => {
      clearTimeout(timer);
      this.#probing = false;
      if (err !== null && !session.destroyed) session.destroy(err);
    };
    if (!session.ping(done)) done(null); // too many pings already outstanding: they check it
  }

  /** Resolves true once connected, false on failure or after `timeoutMs`. */
  ready(timeoutMs: number): Promise<boolean> {
    const current = this.#session;
    if (current !== undefined && !current.closed && !current.destroyed && !current.connecting) return Promise.resolve(true);
    if (this.#closed) return Promise.resolve(false);
    const session = current !== undefined && !current.closed && !current.destroyed ? current : this.connect();
    return new Promise((resolve) => {
      const end = (ok: boolean): void => {
        clearTimeout(timer);
        session.off('connect', onConnect);
        session.off('close', onClose);
        resolve(ok);
      };
      const onConnect = (): void => end(true);
      const onClose = (): void => end(false);
      const timer = setTimeout(onClose, timeoutMs);
      session.once('connect', onConnect);
      session.once('close', onClose);
    });
  }

  /** Closes the connection; calls still running on it finish, new ones fail. */
  close(): void {
    this.#closed = true;
    this.#session?.close();
    this.#session = undefined;
  }
}

/** How long a failed connect makes calls to that child fail at once. */
const BACKOFF_MS = 1000;

/** The connect state shared by all connections to one child. */
export class TargetHealth {
  #failedAt = 0;
  #reason = '';

  /** The reason calls fail at once, or undefined when a connect may be tried. */
  failure(): string | undefined {
    if (this.#failedAt === 0) return undefined;
    if (performance.now() - this.#failedAt >= BACKOFF_MS) {
      this.#failedAt = 0;
      return undefined;
    }
    return `No connection established. Last error: ${this.#reason}`;
  }

  down(reason: string): void {
    this.#failedAt = performance.now();
    this.#reason = reason;
  }

  up(): void {
    this.#failedAt = 0;
  }
}

/**
 * Large windows so a big message does not stall on 64 KB of flow control per round trip, and no
 * session memory cap (grpc-js found Node degrades badly when it is reached; messages are already
 * bounded by the max message size).
 */
const WINDOW_BYTES = 4 * 1024 * 1024;
const SESSION_OPTIONS = {
  settings: { initialWindowSize: WINDOW_BYTES },
  maxSessionMemory: Number.MAX_SAFE_INTEGER,
  maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER,
};
