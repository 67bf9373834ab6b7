import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { MethodDefinition, ServerDuplexStream, handleBidiStreamingCall } from '@grpc/grpc-js';
import { GRPC } from '../../errors';
import { joinChunks } from '../../message/chunks';
import { CallStatus, frame, FrameDecoder, frameMessage, type Frame } from './h2-frames';
import { RESPONSE_HEADERS, sendStatus, type MessageLimits } from './h2-unary';

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
    sendStatus(this.#stream, code, details);
  }

  /** Feeds the request stream to the handler's listeners. */
  static start(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, method: MethodDefinition<unknown, unknown>, handler: handleBidiStreamingCall<unknown, unknown>, limits: MessageLimits): void {
    const call = new BidiCall(stream, method, limits.send);
    const decoder = new FrameDecoder(limits.receive);
    const encoding = headers['grpc-encoding'] as string | undefined;
    const frames: Frame[] = [];
    stream.on('data', (chunk: Buffer) => {
      if (call.#ended) return;
      try {
        decoder.push(chunk, frames);
        for (const f of frames) call.emit('data', method.requestDeserialize(joinChunks(frameMessage(f, encoding, limits.receive))));
      } catch (err) {
        call.#fail(err instanceof CallStatus ? err.code : GRPC.INTERNAL, err instanceof CallStatus ? err.message : 'Error deserializing request');
      }
      frames.length = 0;
    });
    stream.once('end', () => call.emit('end'));
    stream.once('close', () => {
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
