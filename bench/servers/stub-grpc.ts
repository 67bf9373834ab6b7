/**
 * A Seldon gRPC model server tuned for load: grpc-js with identity serializers (no protobuf work),
 * serving Model/Predict, Transformer/TransformInput, OutputTransformer/TransformOutput and the
 * Generic equivalents. Modes:
 *   fixed  answers a pre-encoded small SeldonMessage
 *   echo   answers the request bytes unchanged
 * Usage: node dist/bench/servers/stub-grpc.js --mode fixed|echo [--port 0]
 * Prints {"msg":"listening","port":N} once listening. Loopback only.
 */
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { parseArgs } from 'node:util';
import { seldonMessageProto } from '../../src/bench/payloads';
import { FIXED_REPLY_JSON } from './replies';

const identity = (b: Buffer): Buffer => b;
const METHODS: readonly (readonly [service: string, rpc: string])[] = [
  ['Model', 'Predict'],
  ['Transformer', 'TransformInput'],
  ['OutputTransformer', 'TransformOutput'],
  ['Generic', 'TransformInput'],
  ['Generic', 'TransformOutput'],
];

function main(): void {
  const { values } = parseArgs({ options: { mode: { type: 'string', default: 'fixed' }, port: { type: 'string', default: '0' } } });
  const mode = values.mode;
  if (mode !== 'fixed' && mode !== 'echo') throw new Error(`--mode must be fixed or echo, not ${mode}`);
  // The same answer as the REST stub, protobuf-encoded once.
  const reply = seldonMessageProto(JSON.parse(FIXED_REPLY_JSON));
  const handler = mode === 'fixed'
    ? (_call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>): void => cb(null, reply)
    : (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>): void => cb(null, call.request);
  const server = new Server({ 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 });
  const services = new Map<string, { definition: Record<string, ServiceDefinition[string]>; implementation: UntypedServiceImplementation }>();
  for (const [service, rpc] of METHODS) {
    const entry = services.get(service) ?? { definition: {}, implementation: {} };
    services.set(service, entry);
    entry.definition[rpc] = {
      path: `/seldon.protos.${service}/${rpc}`, requestStream: false, responseStream: false,
      requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity,
    };
    entry.implementation[rpc] = handler;
  }
  for (const { definition, implementation } of services.values()) server.addService(definition, implementation);
  server.bindAsync(`127.0.0.1:${values.port}`, ServerCredentials.createInsecure(), (err, port) => {
    if (err !== null) throw err;
    process.stdout.write(`${JSON.stringify({ msg: 'listening', port, mode })}\n`);
  });
  process.once('SIGTERM', () => process.exit(0));
  process.once('SIGINT', () => process.exit(0));
}

main();
