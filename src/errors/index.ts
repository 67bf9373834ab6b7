export { ERROR_CODES, GRPC, type ErrorCode, type ErrorKind, type GrpcCode } from './codes';
export { blameChild, EngineError, engineError, isUnreadableMessage, toEngineError, type ChildReply, type EngineErrorOptions } from './engine-error';
export { grpcCodeForHttpStatus, grpcCodeName, httpStatusForGrpcCode } from './status-maps';
