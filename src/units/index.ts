export { UnitRegistry, type BuiltinUnit, type BuiltinDeps } from './registry';
export { registerBuiltins } from './builtin';
export { createRemoteRestUnit, REST_PATHS, type RemoteRestOptions } from './remote-rest';
export { createRemoteGrpcUnit, grpcMethod, type RemoteGrpcOptions } from './remote-grpc';
