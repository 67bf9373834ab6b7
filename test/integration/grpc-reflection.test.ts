/**
 * gRPC server reflection (README "gRPC"): v1 and v1alpha list `seldon.protos.Seldon` and answer its
 * file descriptors, so grpcurl-style tools need no proto files. The engine builds reflection on the
 * first call (src/transports/grpc/reflection.ts), so these calls are also the first ones.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { Client, credentials } from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import { startEngine, type RunningEngine } from '../helpers/engine';

const REFLECTION_PROTO = (version: string): string => join(dirname(require.resolve('@grpc/reflection/package.json')), 'build', 'proto', 'grpc', 'reflection', version, 'reflection.proto');
const DESCRIPTOR_PROTO = join(dirname(require.resolve('protobufjs/package.json')), 'google', 'protobuf', 'descriptor.proto');
const descriptors = protobuf.loadSync(DESCRIPTOR_PROTO).lookupType('google.protobuf.FileDescriptorProto');

interface FileDescriptor {
  readonly name?: string;
  readonly package?: string;
  readonly service?: readonly { readonly name?: string; readonly method?: readonly { readonly name?: string }[] }[];
}

/** One reflection request per stream; the answer as a plain object (keepCase field names). */
async function reflect(port: number, version: 'v1' | 'v1alpha', request: Record<string, unknown>): Promise<Record<string, unknown>> {
  const root = new protobuf.Root().loadSync(REFLECTION_PROTO(version), { keepCase: true });
  const req = root.lookupType(`grpc.reflection.${version}.ServerReflectionRequest`);
  const res = root.lookupType(`grpc.reflection.${version}.ServerReflectionResponse`);
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  try {
    const call = client.makeBidiStreamRequest(`/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`,
      (v: Record<string, unknown>) => Buffer.from(req.encode(req.fromObject(v)).finish()),
      (b: Buffer) => res.toObject(res.decode(b), { defaults: false, bytes: Buffer }));
    const answer = new Promise<Record<string, unknown>>((resolve, reject) => {
      call.once('data', resolve);
      call.once('error', reject);
    });
    call.write(request);
    call.end();
    return await answer;
  } finally {
    client.close();
  }
}

function files(answer: Record<string, unknown>): FileDescriptor[] {
  const protos = (answer.file_descriptor_response as { file_descriptor_proto?: Buffer[] } | undefined)?.file_descriptor_proto ?? [];
  return protos.map((b) => descriptors.toObject(descriptors.decode(b)) as FileDescriptor);
}

describe('gRPC server reflection', () => {
  let engine: RunningEngine;
  before(async () => {
    engine = await startEngine({ args: ['--demo'] });
  });
  after(async () => {
    await engine.stop();
  });

  for (const version of ['v1', 'v1alpha'] as const) {
    test(`${version}: lists the Seldon service`, async () => {
      const answer = await reflect(engine.grpcPort, version, { list_services: '' });
      const services = (answer.list_services_response as { service?: { name?: string }[] } | undefined)?.service ?? [];
      assert.deepEqual(services.map((s) => s.name), ['seldon.protos.Seldon']);
    });

    test(`${version}: the file containing seldon.protos.Seldon describes its four methods`, async () => {
      const found = files(await reflect(engine.grpcPort, version, { file_containing_symbol: 'seldon.protos.Seldon' }));
      const seldon = found.flatMap((f) => (f.package === 'seldon.protos' ? f.service ?? [] : [])).find((s) => s.name === 'Seldon');
      assert.deepEqual(seldon?.method?.map((m) => m.name), ['Predict', 'SendFeedback', 'ModelMetadata', 'GraphMetadata']);
      // Its dependencies come along, so a client can resolve SeldonMessage's tensorflow fields.
      assert.ok(found.some((f) => f.package === 'tensorflow'), `files: ${found.map((f) => f.name).join(', ')}`);
    });

    test(`${version}: an unknown symbol is NOT_FOUND`, async () => {
      const answer = await reflect(engine.grpcPort, version, { file_containing_symbol: 'no.such.Symbol' });
      assert.equal((answer.error_response as { error_code?: number } | undefined)?.error_code, 5);
    });
  }
});
