/**
 * The one error table. Every failure the engine reports carries one of these codes; the code alone
 * decides the HTTP status and the gRPC status a caller sees. README's "Errors" table lists the same
 * codes, statuses and meanings (it may add detail after a meaning), and test/unit/readme.test.ts keeps
 * the two in step.
 */
export const GRPC = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

export type GrpcCode = (typeof GRPC)[keyof typeof GRPC];

export interface ErrorKind {
  /** HTTP status sent to a REST caller (0: the status comes from the child, see CHILD_STATUS). */
  readonly http: number;
  /** gRPC status code sent to a gRPC caller. */
  readonly grpc: GrpcCode;
  /** What the code means, for the README table. */
  readonly meaning: string;
}

export const ERROR_CODES = {
  BAD_REQUEST: { http: 400, grpc: GRPC.INVALID_ARGUMENT, meaning: 'The request is not valid HTTP/1.1 (request line, headers or body framing); the connection is closed after the answer.' },
  BAD_REQUEST_JSON: { http: 400, grpc: GRPC.INVALID_ARGUMENT, meaning: 'A body the engine must read is not valid JSON, or not the JSON shape it needs.' },
  BAD_REQUEST_PROTOBUF: { http: 400, grpc: GRPC.INVALID_ARGUMENT, meaning: 'A gRPC request message is not valid protobuf for its Seldon message type.' },
  BAD_FEEDBACK_ROUTING: { http: 400, grpc: GRPC.INVALID_ARGUMENT, meaning: 'A feedback `response.meta.routing` entry is not -1 (all children), -2 (none) or the index of one of the node\'s children.' },
  NOT_FOUND: { http: 404, grpc: GRPC.UNIMPLEMENTED, meaning: 'No route has this path.' },
  UNKNOWN_MODEL: { http: 404, grpc: GRPC.NOT_FOUND, meaning: 'A status or metadata request names a node that is not in the graph.' },
  METHOD_NOT_ALLOWED: { http: 405, grpc: GRPC.UNIMPLEMENTED, meaning: 'The path exists but not for this HTTP method.' },
  REQUEST_TIMEOUT: { http: 408, grpc: GRPC.DEADLINE_EXCEEDED, meaning: 'The client did not send the whole request in time.' },
  PAYLOAD_TOO_LARGE: { http: 413, grpc: GRPC.RESOURCE_EXHAUSTED, meaning: 'The request body is larger than `--max_body_bytes`, or decodes to more when the engine must undo its `Content-Encoding`.' },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, grpc: GRPC.INVALID_ARGUMENT, meaning: 'The engine must read a body whose content type or content encoding it cannot decode.' },
  EXPECTATION_FAILED: { http: 417, grpc: GRPC.INVALID_ARGUMENT, meaning: 'The request has an `Expect` header other than `100-continue`.' },
  HEADERS_TOO_LARGE: { http: 431, grpc: GRPC.RESOURCE_EXHAUSTED, meaning: 'The request line and headers are larger than Node\'s limit (16 KiB unless `node --max-http-header-size` says otherwise).' },
  INVALID_ROUTING: { http: 500, grpc: GRPC.INTERNAL, meaning: 'A router answered a route that is not -1, -2 or the index of one of its children.' },
  INVALID_COMBINER_INPUT: { http: 500, grpc: GRPC.INTERNAL, meaning: 'AVERAGE_COMBINER got outputs it cannot average (not numeric, or shapes differ).' },
  INTERNAL: { http: 500, grpc: GRPC.INTERNAL, meaning: 'A bug in the engine; the message says where.' },
  CHILD_STATUS: { http: 0, grpc: GRPC.UNKNOWN, meaning: 'A child answered a status other than 200: its status and body reach a REST caller unchanged; a gRPC caller gets the matching code.' },
  CHILD_UNREACHABLE: { http: 502, grpc: GRPC.UNAVAILABLE, meaning: 'A child could not be reached or broke the connection.' },
  CHILD_BAD_RESPONSE: { http: 502, grpc: GRPC.INTERNAL, meaning: 'A child answered bytes that are not HTTP/1.1, or 200 with a body the engine must read but cannot (not JSON, wrong shape, too large).' },
  SHUTTING_DOWN: { http: 503, grpc: GRPC.UNAVAILABLE, meaning: 'The engine is draining and takes no new requests.' },
  CHILD_TIMEOUT: { http: 504, grpc: GRPC.DEADLINE_EXCEEDED, meaning: 'A child did not answer in time (`seldon.io/rest-timeout` or `seldon.io/grpc-timeout`, default `--default_rest_timeout`, or the caller\'s deadline).' },
  CLIENT_CLOSED: { http: 499, grpc: GRPC.CANCELLED, meaning: 'The caller went away; the child calls it caused were aborted (never seen by the caller).' },
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof ERROR_CODES;
