export { ERROR_CODES, GRPC, type ErrorCode, type ErrorKind, type GrpcCode } from './codes';
export { EngineError, engineError, toEngineError, type ChildReply } from './engine-error';
