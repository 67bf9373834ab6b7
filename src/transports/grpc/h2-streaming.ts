import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { MethodDefinition, ServerDuplexStream, handleBidiStreamingCall } from '@grpc/grpc-js';
import { GRPC } from '../../errors';
import { joinChunks } from '../../message/chunks';
import { CallStatus, frame, FrameDecoder, frameMessage, type Frame } from './h2-frames';
import { RESPONSE_HEADERS, sendStatus, type MessageLimits } from './h2-unary';

/**
 * Most bytes a call may hold waiting to be sent before it ends with RESOURCE_EXHAUSTED. Reached only
 * by a handler that writes without a request (backpressure keeps the rest near the stream's
 * high-water mark); far above any reflection answer (the largest, the Seldon protos, is ~5 KB).
 */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const EMPTY_FRAME: Frame = [];

/**
 * Bidirectional-streaming methods registered the grpc-js way (`addService`), served on the raw HTTP/2
 * transport: today only server reflection (@grpc/reflection), which is rare and not on the hot path.
 * The handler gets a stream object with the part of grpc-js's ServerDuplexStream that @grpc/reflection
 * uses: 'data', 'end' and 'cancelled' events, `write`, `end`, `cancelled`.
 */
export class BidiCall extends EventEmitter {
  cancelled = false;
  readonly #stream: ServerHttp2Stream;
  readonly #method: MethodDefinition<unknown, unknown>;
  readonly #sendLimit: number;
  #ended = false;

  constructor(stream: ServerHttp2Stream, method: MethodDefinition<unknown, unknown>, sendLimit: number) {
    super();
    this.#stream = stream;
    this.#method = method;
    this.#sendLimit = sendLimit;
  }

  write(value: unknown): boolean {
    if (this.#ended || this.cancelled) return false;
    let message: Buffer;
    try {
      message = this.#method.responseSerialize(value);
    } catch {
      this.#fail(GRPC.INTERNAL, 'Error serializing response');
      return false;
    }
    if (message.length > this.#sendLimit) {
      this.#fail(GRPC.RESOURCE_EXHAUSTED, `Sent message larger than max (${message.length + 5} vs. ${this.#sendLimit})`);
      return false;
    }
    // start() stops feeding requests while answers wait to be sent, so only a handler that writes
    // without being asked can get here with this much held: the call ends rather than the heap grow.
    if (this.#stream.writableLength > MAX_BUFFERED_BYTES) {
      this.#fail(GRPC.RESOURCE_EXHAUSTED, `The caller is not reading the answers: more than ${MAX_BUFFERED_BYTES} bytes are waiting to be sent`);
      return false;
    }
    if (!this.#stream.headersSent) this.#stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
    return this.#stream.write(frame(message));
  }

  end(): void {
    if (this.#ended || this.cancelled) return;
    this.#ended = true;
    const stream = this.#stream;
    if (!stream.headersSent) {
      sendStatus(stream, GRPC.OK, 'OK');
      return;
    }
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'OK' }));
    stream.end();
  }

  /** Ends the call with an error status (a request the method cannot read). */
  #fail(code: number, details: string): void {
    if (this.#ended) return;
    this.#ended = true;
    const stream = this.#stream;
    if (!stream.headersSent || stream.destroyed || stream.closed) {
      sendStatus(stream, code, details);
      return;
    }
    // Answers went out (respond() with waitForTrailers): the status follows them in the trailers,
    // where sendStatus could only reset the stream and the caller would not learn why.
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(code), 'grpc-message': encodeURI(details) }));
    stream.end();
    // Requests still arriving are dropped, so flow control never stalls the connection.
    stream.resume();
  }

  /**
   * Feeds the request stream to the handler's listeners, one message at a time and only while the
   * answers are being sent: when the stream's write side is over its high-water mark (a caller that
   * does not read, or reads slower than it asks), the requests wait, read no further, until 'drain'.
   * HTTP/2 flow control then stops the caller, so a call holds at most a flow-control window of
   * requests and about one answer over the mark, whatever the caller does.
   */
  static start(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, method: MethodDefinition<unknown, unknown>, handler: handleBidiStreamingCall<unknown, unknown>, limits: MessageLimits): void {
    const call = new BidiCall(stream, method, limits.send);
    const decoder = new FrameDecoder(limits.receive);
    const encoding = headers['grpc-encoding'] as string | undefined;
    /** Requests read but not yet handed to the handler; `next` is the first of them. */
    let queue: Frame[] = [];
    let next = 0;
    let requestsEnded = false;
    let waiting = false;
    const pump = (): void => {
      waiting = false;
      while (next < queue.length) {
        if (call.#ended || call.cancelled) break;
        if (stream.writableNeedDrain) {
          waiting = true;
          stream.pause();
          stream.once('drain', pump);
          return;
        }
        const f = queue[next] as Frame;
        queue[next++] = EMPTY_FRAME; // not held until the whole batch is done
        try {
          call.emit('data', method.requestDeserialize(joinChunks(frameMessage(f, encoding, limits.receive))));
        } catch (err) {
          call.#fail(err instanceof CallStatus ? err.code : GRPC.INTERNAL, err instanceof CallStatus ? err.message : 'Error deserializing request');
          break;
        }
      }
      queue = [];
      next = 0;
      if (call.#ended || call.cancelled) return;
      if (!requestsEnded) {
        stream.resume();
      } else if (decoder.pending > 0) {
        // The unary path's code for the same input (h2-unary.ts receiveUnary); grpc-js would drop the bytes and answer OK.
        call.#fail(GRPC.UNIMPLEMENTED, `Received a truncated request message for streaming method ${headers[':path'] ?? ''}: the request stream ended ${decoder.pending} bytes into a message`);
      } else {
        call.emit('end');
      }
    };
    stream.on('data', (chunk: Buffer) => {
      if (call.#ended) return;
      try {
        decoder.push(chunk, queue);
      } catch (err) {
        call.#fail(err instanceof CallStatus ? err.code : GRPC.INTERNAL, err instanceof CallStatus ? err.message : 'Error reading the request stream');
        return;
      }
      if (!waiting) pump();
    });
    // 'end' can come while requests still wait for 'drain' (a paused stream still ends once its
    // last chunk was read): the handler sees it after them.
    stream.once('end', () => {
      requestsEnded = true;
      if (!waiting) pump();
    });
    stream.once('close', () => {
      queue = [];
      next = 0;
      if (call.#ended) return;
      call.cancelled = true;
      call.emit('cancelled', 'cancelled');
    });
    try {
      // The adapter implements what @grpc/reflection's handler uses of a ServerDuplexStream (see above).
      handler(call as unknown as ServerDuplexStream<unknown, unknown>);
    } catch {
      call.#fail(GRPC.UNKNOWN, 'Unknown error');
    }
  }
}
