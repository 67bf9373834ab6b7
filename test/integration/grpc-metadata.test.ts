/**
 * Model and graph metadata over gRPC (reference 3.1, 3.2 "metadata", 4.9): `Seldon/ModelMetadata`
 * and `Seldon/GraphMetadata` answered from the children's `Model/Metadata`, for gRPC children (and
 * for REST children, whose `/metadata` JSON is transcoded), and the REST metadata paths over gRPC
 * children.
 *
 * proto3 JSON prints int64 as strings, so a `shape` that passed through protobuf reads ["1","4"]
 * where a REST child's own JSON has [1,4]: the expected values below spell out which one each path
 * gives.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { status as grpcStatus } from '@grpc/grpc-js';
import { startEngine, type RunningEngine } from '../helpers/engine';
import { SeldonGrpcClient } from '../helpers/grpc-client';
import { remoteNode, startDualChild, type Behaviour, type DualChild, type EndpointFactory, type StepCall, type Transport } from '../helpers/scenario-children';

/** What each child says about itself (its `Model/Metadata` / `GET /metadata` answer). */
const METADATA = {
  ot: { name: 'ot-model', versions: ['o1'], platform: 'python', inputs: [{ name: 'proba', datatype: 'FP64', shape: [1, 2] }], outputs: [{ messagetype: 'jsonData', schema: { type: 'object', required: ['label'] } }] },
  t: { name: 't-model', versions: ['t1', 't2'], platform: 'python', inputs: [{ messagetype: 'ndarray', schema: { names: ['a', 'b'] } }], outputs: [{ name: 'features', datatype: 'FP64', shape: [1, 4] }] },
  m: { name: 'm-model', versions: ['v1'], platform: 'sklearn', inputs: [{ name: 'features', datatype: 'FP64', shape: [1, 4] }], outputs: [{ name: 'proba', datatype: 'FP64', shape: [1, 2] }], custom: { author: 'me', team: 'ml' } },
} as const;

type Name = keyof typeof METADATA;

/** The metadata as it reads after protobuf: int64 shapes as decimal strings. */
function viaProto(name: Name): unknown {
  return JSON.parse(JSON.stringify(METADATA[name]), (k, v: unknown) => (k === 'shape' && Array.isArray(v) ? v.map(String) : v));
}

const metadataChild = (name: Name): Behaviour => (call: StepCall) => {
  if (call.step !== 'metadata') throw new Error(`${name}: unexpected ${call.step}`);
  return METADATA[name];
};

/** The graph's inputs are t's (ot's child edge), its outputs ot's own (4.9 getEdgeNodes). */
const graph = (ep: EndpointFactory): unknown => ({
  name: 'p', componentSpecs: [],
  graph: remoteNode(ep, 'OUTPUT_TRANSFORMER', 'ot', [remoteNode(ep, 'TRANSFORMER', 't', [remoteNode(ep, 'MODEL', 'm')])]),
});

describe('metadata: OUTPUT_TRANSFORMER ot -> TRANSFORMER t -> MODEL m', () => {
  const log: StepCall[] = [];
  const children = new Map<Name, DualChild>();
  const engines = new Map<Transport, RunningEngine>();
  const clients = new Map<Transport, SeldonGrpcClient>();
  before(async () => {
    for (const [name, type] of [['ot', 'OUTPUT_TRANSFORMER'], ['t', 'TRANSFORMER'], ['m', 'MODEL']] as const) children.set(name, await startDualChild(name, type, metadataChild(name), log));
    await Promise.all((['GRPC', 'REST'] as const).map(async (transport) => {
      const engine = await startEngine({ spec: graph((n) => (children.get(n as Name) as DualChild).endpoint(transport)) });
      engines.set(transport, engine);
      clients.set(transport, new SeldonGrpcClient(engine.grpcPort));
    }));
  });
  after(async () => {
    for (const c of clients.values()) c.close();
    await Promise.all([...engines.values()].map((e) => e.stop()));
    await Promise.all([...children.values()].map((c) => c.close()));
  });
  const grpc = (children: Transport): SeldonGrpcClient => clients.get(children) as SeldonGrpcClient;
  const rest = (children: Transport): RunningEngine => engines.get(children) as RunningEngine;

  for (const transport of ['GRPC', 'REST'] as const) {
    const kind = transport === 'GRPC' ? 'gRPC' : 'REST';

    test(`ModelMetadata over gRPC asks only that node's ${kind} child (Model/Metadata or GET /metadata)`, async () => {
      log.length = 0;
      const answer = await grpc(transport).call('ModelMetadata', { name: 'm' }, { metadata: { 'seldon-puid': 'md-1' } });
      assert.equal(answer.code, 0, answer.details);
      assert.deepStrictEqual(answer.json, viaProto('m'));
      assert.deepStrictEqual(log.map((c) => [c.node, c.via, c.header('seldon-puid')]), [['m', transport === 'GRPC' ? '/seldon.protos.Model/Metadata' : '/metadata', 'md-1']]);
      // Seldon sends no seldon-puid header for ModelMetadata (3.1).
      assert.deepStrictEqual(answer.header?.get('seldon-puid') ?? [], []);
    });

    test(`GraphMetadata over gRPC gathers every node's metadata from ${kind} children`, async () => {
      log.length = 0;
      const answer = await grpc(transport).call('GraphMetadata', {});
      assert.equal(answer.code, 0, answer.details);
      assert.deepStrictEqual(answer.json, {
        name: 'p',
        models: { m: viaProto('m'), ot: viaProto('ot'), t: viaProto('t') },
        inputs: (viaProto('t') as { inputs: unknown }).inputs,
        outputs: (viaProto('ot') as { outputs: unknown }).outputs,
      });
      assert.deepStrictEqual(log.map((c) => `${c.node}:${c.step}:${c.transport}`).sort(), [`m:metadata:${transport}`, `ot:metadata:${transport}`, `t:metadata:${transport}`]);
    });

    test(`ModelMetadata of a node the graph does not have is NOT_FOUND (${kind} children)`, async () => {
      log.length = 0;
      const answer = await grpc(transport).call('ModelMetadata', { name: 'nope' });
      assert.equal(answer.code, grpcStatus.NOT_FOUND, answer.details);
      assert.equal(answer.details, 'Failed to find model nope: the graph has no node of that name');
      assert.deepStrictEqual(log, []);
    });
  }

  test('REST metadata paths over gRPC children: the protobuf answers transcoded to JSON', async () => {
    const node = await rest('GRPC').get('/api/v1.0/metadata/t');
    assert.equal(node.status, 200, node.text);
    assert.deepStrictEqual(node.json(), viaProto('t'));
    const all = await rest('GRPC').get('/api/v1.0/metadata');
    assert.equal(all.status, 200, all.text);
    assert.deepStrictEqual(all.json(), {
      name: 'p',
      models: { m: viaProto('m'), ot: viaProto('ot'), t: viaProto('t') },
      graphinputs: (viaProto('t') as { inputs: unknown }).inputs,
      graphoutputs: (viaProto('ot') as { outputs: unknown }).outputs,
    });
  });

  test('REST metadata paths over REST children keep the children\'s own JSON (numeric shapes)', async () => {
    const all = await rest('REST').get('/api/v1.0/metadata');
    assert.equal(all.status, 200, all.text);
    assert.deepStrictEqual(all.json(), { name: 'p', models: { m: METADATA.m, ot: METADATA.ot, t: METADATA.t }, graphinputs: METADATA.t.inputs, graphoutputs: METADATA.ot.outputs });
  });
});
