import { GRPC } from './codes';

/** All gRPC status codes by number (grpc-js has the same numbering). */
const ALL_CODES = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15, UNAUTHENTICATED: 16,
} as const;

/** grpc-go's `codes.Code.String()` names: the `code` label of Seldon's gRPC metrics (section 7). */
const GO_NAMES = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied',
  'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable',
  'DataLoss', 'Unauthenticated',
];

export function grpcCodeName(code: number): string {
  return GO_NAMES[code] ?? `Code(${code})`;
}

/**
 * The gRPC status a gRPC caller gets for a child's HTTP status (an HTTP child under a gRPC request).
 * Follows grpc-js `mapHttpStatusCode`, except that 504 is DEADLINE_EXCEEDED and 4xx client errors keep
 * their meaning, so a caller can tell "too slow" and "bad input" from "unavailable".
 */
export function grpcCodeForHttpStatus(status: number): number {
  switch (status) {
    case 400: return GRPC.INVALID_ARGUMENT;
    case 401: return ALL_CODES.UNAUTHENTICATED;
    case 403: return ALL_CODES.PERMISSION_DENIED;
    case 404: return GRPC.NOT_FOUND;
    case 408: return GRPC.DEADLINE_EXCEEDED;
    case 409: return ALL_CODES.ABORTED;
    case 413: return GRPC.RESOURCE_EXHAUSTED;
    case 429: return GRPC.RESOURCE_EXHAUSTED;
    case 499: return GRPC.CANCELLED;
    case 501: return GRPC.UNIMPLEMENTED;
    case 502: case 503: return GRPC.UNAVAILABLE;
    case 504: return GRPC.DEADLINE_EXCEEDED;
    default:
      if (status >= 200 && status < 300) return GRPC.UNKNOWN; // a 2xx other than 200 is an error in Seldon's rules
      return status >= 500 ? GRPC.INTERNAL : GRPC.UNKNOWN;
  }
}

/** The HTTP status a REST caller gets for a child's gRPC status (a gRPC child under a REST request). */
export function httpStatusForGrpcCode(code: number): number {
  switch (code) {
    case ALL_CODES.CANCELLED: return 499;
    case ALL_CODES.INVALID_ARGUMENT: case ALL_CODES.FAILED_PRECONDITION: case ALL_CODES.OUT_OF_RANGE: return 400;
    case ALL_CODES.DEADLINE_EXCEEDED: return 504;
    case ALL_CODES.NOT_FOUND: return 404;
    case ALL_CODES.ALREADY_EXISTS: case ALL_CODES.ABORTED: return 409;
    case ALL_CODES.PERMISSION_DENIED: return 403;
    case ALL_CODES.UNAUTHENTICATED: return 401;
    case ALL_CODES.RESOURCE_EXHAUSTED: return 429;
    case ALL_CODES.UNIMPLEMENTED: return 501;
    case ALL_CODES.UNAVAILABLE: return 503;
    default: return 500;
  }
}
