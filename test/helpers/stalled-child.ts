/**
 * A child on 127.0.0.1 that TCP handshakes never complete with, for connect timeouts without any
 * outside address: it listens with a backlog of 1 in a worker thread that then blocks its own event
 * loop, so it accepts nothing; once its accept queue is full, Linux drops every further SYN.
 */
import { connect, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';

/** The worker: listens, reports its port, blocks until released, then answers every request with `ok`. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createServer } = require('node:net');
const server = createServer((socket) => {
  socket.on('error', () => undefined);
  let pending = '';
  socket.on('data', (chunk) => {
    pending += chunk.toString('latin1');
    for (let end = pending.indexOf('\\r\\n\\r\\n'); end !== -1; end = pending.indexOf('\\r\\n\\r\\n')) {
      pending = pending.slice(end + 4);
      socket.write('HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok');
    }
  });
});
server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  // Bounded, so a test that never releases it cannot keep it blocked for ever.
  Atomics.wait(new Int32Array(workerData), 0, 0, 10000);
});
`;

/** How long a loopback handshake may take before it counts as never completing. */
const STALLED_AFTER_MS = 100;
/** Linux queues backlog + 1 connections; more than this many means the queue does not fill here. */
const MAX_FILLERS = 8;

export interface StalledChild {
  readonly port: number;
  /** Unblocks the child; resolves once it has accepted and answered what was queued, so a new connection is accepted at once. */
  release(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the child and fills its accept queue; rejects if a handshake with it still completes. */
export async function stalledChild(): Promise<StalledChild> {
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER, { eval: true, workerData: gate.buffer });
  worker.unref(); // a test that fails before close() must not keep the file running
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (message: number) => resolve(message));
    worker.once('error', reject);
  });
  const unblock = (): void => {
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
  };
  // Connections the kernel completed and queued. Each carries a request, so its answer tells when
  // the child, once released, has accepted it.
  const queued: Socket[] = [];
  const close = async (): Promise<void> => {
    unblock();
    for (const socket of queued) socket.destroy();
    await worker.terminate();
  };
  try {
    for (;;) {
      if (queued.length === MAX_FILLERS) throw new Error(`${MAX_FILLERS} connections to a listener with backlog 1 all completed: its accept queue does not fill here`);
      const socket = connect({ host: '127.0.0.1', port });
      socket.on('error', () => undefined);
      socket.write('GET / HTTP/1.1\r\nhost: stalled\r\n\r\n');
      const connected = await new Promise<boolean>((resolve) => {
        // On the timer, one turn of the loop first: a stalled test process may have a finished
        // handshake waiting to be reported, and it must not count as a full queue.
        const timer = setTimeout(() => setImmediate(() => resolve(!socket.connecting)), STALLED_AFTER_MS);
        socket.once('connect', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (!connected) {
        socket.destroy(); // the queue is full: this handshake is the proof that the next one hangs too
        break;
      }
      queued.push(socket);
    }
  } catch (err) {
    await close();
    throw err;
  }
  return {
    port,
    release: async () => {
      const answered = queued.map((socket) => new Promise<void>((resolve) => socket.once('data', () => resolve())));
      unblock();
      await Promise.all(answered);
    },
    close,
  };
}
