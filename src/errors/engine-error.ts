import { ERROR_CODES, type ErrorCode, type GrpcCode } from './codes';

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
export class EngineError extends Error {
  readonly code: ErrorCode;
  readonly reply: ChildReply | undefined;
  readonly grpcCode: GrpcCode | undefined;

  constructor(code: ErrorCode, message: string, options: { reply?: ChildReply; grpcCode?: GrpcCode; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EngineError';
    this.code = code;
    this.reply = options.reply;
    this.grpcCode = options.grpcCode;
  }

  /** HTTP status for a REST caller: the child's own status for CHILD_STATUS, else the table's. */
  get httpStatus(): number {
    return this.reply?.status ?? (ERROR_CODES[this.code].http || 500);
  }
}

/**
 * Builds an expected error without a stack trace: these are answers, not bugs, and the trace costs
 * CPU on the hot path (the undici `response-error.js` habit).
 */
export function engineError(code: ErrorCode, message: string, options?: { reply?: ChildReply; grpcCode?: GrpcCode; cause?: unknown }): EngineError {
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
