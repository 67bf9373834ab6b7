import { ERROR_CODES, type ErrorCode } from './codes';
import { grpcCodeForHttpStatus } from './status-maps';

/** A child's own answer, passed to the caller unchanged (status, body and content type). */
export interface ChildReply {
  readonly status: number;
  readonly body: Buffer;
  readonly contentType: string;
}

/**
 * Every failure the engine reports. `code` picks the row of ERROR_CODES; `reply` carries a child's
 * non-200 answer for CHILD_STATUS; `grpcCode` lets a child's gRPC status pass through unchanged.
 */
export interface EngineErrorOptions {
  /** A REST child's own non-200 answer, passed through to a REST caller. */
  readonly reply?: ChildReply;
  /** The gRPC status a gRPC caller gets instead of the table's (a child's own status). */
  readonly grpcCode?: number;
  /** The HTTP status a REST caller gets instead of the table's (a gRPC child's status, mapped). */
  readonly httpStatus?: number;
  /** The message a gRPC caller gets instead of `message` (a gRPC child's own details, unchanged). */
  readonly grpcMessage?: string;
  readonly cause?: unknown;
}

export class EngineError extends Error {
  readonly code: ErrorCode;
  readonly reply: ChildReply | undefined;
  readonly #grpcCode: number | undefined;
  readonly #httpStatus: number | undefined;
  readonly #grpcMessage: string | undefined;

  constructor(code: ErrorCode, message: string, options: EngineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EngineError';
    this.code = code;
    this.reply = options.reply;
    this.#grpcCode = options.grpcCode;
    this.#httpStatus = options.httpStatus;
    this.#grpcMessage = options.grpcMessage;
  }

  /** Message for a gRPC caller: a gRPC child's own details where there are some, else `message`. */
  get grpcMessage(): string {
    return this.#grpcMessage ?? this.message;
  }

  /** HTTP status for a REST caller: a child's own status where there is one, else the table's. */
  get httpStatus(): number {
    return this.reply?.status ?? this.#httpStatus ?? (ERROR_CODES[this.code].http || 500);
  }

  /** gRPC status for a gRPC caller: a child's own code where there is one, else the table's. */
  get grpcCode(): number {
    if (this.#grpcCode !== undefined) return this.#grpcCode;
    if (this.reply !== undefined) return grpcCodeForHttpStatus(this.reply.status);
    return ERROR_CODES[this.code].grpc;
  }
}

/**
 * Builds an expected error without a stack trace: these are answers, not bugs, and the trace costs
 * CPU on the hot path (the undici `response-error.js` habit).
 */
export function engineError(code: ErrorCode, message: string, options?: EngineErrorOptions): EngineError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new EngineError(code, message, options);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Normalises anything thrown into an EngineError (unknown throws are engine bugs: INTERNAL). */
export function toEngineError(err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new EngineError('INTERNAL', `internal error: ${message}`, { cause: err });
}

/**
 * True for the errors that say a message could not be read (bad JSON, bad protobuf, a content type
 * or encoding the engine cannot decode, a body that decodes past its limit): the caller's fault
 * when the message is the caller's request, the answering child's when a child produced it.
 */
export function isUnreadableMessage(err: unknown): err is EngineError {
  return err instanceof EngineError && UNREADABLE.has(err.code);
}

const UNREADABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['BAD_REQUEST_JSON', 'BAD_REQUEST_PROTOBUF', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE']);

/**
 * `err` turned into the child's fault when it says a message could not be read and that message is
 * a child server's answer (`origin`: its node): CHILD_BAD_RESPONSE `node "<origin>" answered a
 * message <context>: <why>`, e.g. context `that REST node "m" cannot be sent`. Any other error, or a
 * message that is the caller's own (no origin), is returned unchanged. Every place that reads or
 * transcodes a message that may be a child's answer goes through this, so a child's bad answer is
 * never reported to the caller as the caller's bad request (400).
 */
export function blameChild(err: unknown, origin: string | undefined, context: string): unknown {
  if (origin === undefined || !isUnreadableMessage(err)) return err;
  return engineError('CHILD_BAD_RESPONSE', `node "${origin}" answered a message ${context}: ${err.message}`, { cause: err });
}
