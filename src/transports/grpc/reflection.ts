import type { Server } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';

/**
 * gRPC server reflection (v1 and v1alpha) for the services the engine serves, so grpcurl-style tools
 * can list and call them without local proto files. Built once at startup from the same protos.
 */
export function addReflection(server: Server, protoDir: string): void {
  const definition = loadSync('seldon/prediction.proto', { includeDirs: [protoDir], keepCase: true });
  new ReflectionService(definition, { services: ['seldon.protos.Seldon'] }).addToServer(server);
}
