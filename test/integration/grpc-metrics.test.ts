/**
 * Seldon's executor metrics after gRPC traffic (reference section 7): the server series of the
 * Seldon service (`service` = full method, `method` = "unary", `code` = grpc-go code name) and the
 * client series of gRPC child calls (`service` = the child's full method, `model_name` = the node),
 * scraped from the REST metrics path of the real engine.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { status as grpcStatus } from '@grpc/grpc-js';
import { startEngine, type RunningEngine } from '../helpers/engine';
import { grpcEndpoint, startGrpcChild, type GrpcChild, type GrpcReceivedCall } from '../helpers/grpc-child';
import { SeldonGrpcClient } from '../helpers/grpc-client';
import { parseExposition, select, valueOf, type Sample } from '../helpers/prometheus';
import { rawRequest } from '../helpers/raw-http';

const SERVER = 'seldon_api_executor_server_requests_seconds';
const CLIENT = 'seldon_api_executor_client_requests_seconds';
const BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.075', '0.1', '0.25', '0.5', '0.75', '1', '2.5', '5', '7.5', '10', '+Inf'];
const PREDICTOR = { deployment_name: 'dep1', predictor_name: 'pred1', predictor_version: 'v3' };
const T: [string, string, string] = ['t', 'reg/t', '1.0'];
const M: [string, string, string] = ['m', 'm-img', '2.3'];

function serverLabels(service: string, method: string, code: string): Record<string, string> {
  return { ...PREDICTOR, service, method, code };
}

function clientLabels(service: string, model: [name: string, image: string, version: string], code: string): Record<string, string> {
  return { ...PREDICTOR, service, model_name: model[0], model_image: model[1], model_version: model[2], method: 'unary', code };
}

function key(labels: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(labels).sort()));
}

/** `{labels: count}` of every `<name>_count` series. */
function counts(samples: readonly Sample[], name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of select(samples, `${name}_count`)) out[key(s.labels)] = s.value;
  return out;
}

function first(call: GrpcReceivedCall): number | undefined {
  return (call.request as { data?: { ndarray?: number[][] } }).data?.ndarray?.[0]?.[0];
}

const SELDON = '/seldon.protos.Seldon';
const PKG = '/seldon.protos';

describe('metrics after gRPC traffic (TRANSFORMER t -> MODEL m, both gRPC; seldon.io/grpc-timeout 1000 ms)', () => {
  let t: GrpcChild;
  let m: GrpcChild;
  let engine: RunningEngine;
  let client: SeldonGrpcClient;
  let samples: Sample[];

  const GOOD = 3;

  before(async () => {
    t = await startGrpcChild((call) => (call.method.endsWith('/Metadata') ? { json: { name: 't' } } : { json: call.request }));
    // [[0]] answers, [[1]] is NOT_FOUND, [[2]] is too slow for the 1000 ms timeout (which is long enough
    // for the connection setups of the first calls on a loaded machine).
    m = await startGrpcChild((call) => {
      if (call.method.endsWith('/Metadata')) return { json: { name: 'm' } };
      if (call.method.endsWith('/SendFeedback')) return { json: { strData: 'thanks' } };
      const k = first(call);
      if (k === 1) return { code: grpcStatus.NOT_FOUND, details: 'no such version' };
      if (k === 2) return { json: { strData: 'late' }, delayMs: 3000 };
      return { json: { data: { ndarray: [[0.5]] } } };
    });
    engine = await startEngine({
      spec: {
        name: 'pred1',
        annotations: { version: 'v3' },
        componentSpecs: [{ spec: { containers: [{ name: 't', image: 'reg/t:1.0' }, { name: 'm', image: 'm-img:2.3' }] } }],
        graph: { name: 't', type: 'TRANSFORMER', endpoint: grpcEndpoint(t.port), children: [{ name: 'm', type: 'MODEL', endpoint: grpcEndpoint(m.port), children: [] }] },
      },
      args: ['--sdep=dep1'],
      annotations: 'seldon.io/grpc-timeout="1000"\n',
    });
    client = new SeldonGrpcClient(engine.grpcPort);

    const predict = async (k: number, code: number): Promise<void> => {
      const answer = await client.call('Predict', { data: { ndarray: [[k]] } });
      assert.equal(answer.code, code, answer.details);
    };
    for (let i = 0; i < GOOD; i++) await predict(0, grpcStatus.OK);
    await predict(1, grpcStatus.NOT_FOUND);
    await predict(2, grpcStatus.DEADLINE_EXCEEDED);
    assert.equal((await client.raw(`${SELDON}/Predict`, Buffer.from([0xff, 0xff, 0xff]))).code, grpcStatus.INVALID_ARGUMENT);
    // Not a method of the service: grpc-js answers it before any handler, as grpc-go's interceptors never see it.
    assert.equal((await client.raw(`${SELDON}/Explain`, Buffer.alloc(0))).code, grpcStatus.UNIMPLEMENTED);
    assert.equal((await client.call('SendFeedback', { request: { data: { ndarray: [[0]] } }, reward: 1 })).code, grpcStatus.OK);
    assert.equal((await client.call('ModelMetadata', { name: 'm' })).code, grpcStatus.OK);
    assert.equal((await client.call('GraphMetadata', {})).code, grpcStatus.OK);
    // A REST caller of the same graph: its own server series, the same gRPC client series.
    const rest = await engine.post('/api/v1.0/predictions', { data: { ndarray: [[0]] } });
    assert.equal(rest.status, 200, rest.text);

    const reply = await rawRequest(engine.port, { path: '/metrics' });
    assert.equal(reply.status, 200, reply.text);
    samples = parseExposition(reply.text);
  });
  after(async () => {
    client?.close();
    await engine?.stop();
    await Promise.all([t?.close(), m?.close()]);
  });

  test('server series: one per gRPC method and code (grpc-go names), method "unary", plus the REST one', () => {
    assert.deepEqual(counts(samples, SERVER), {
      [key(serverLabels(`${SELDON}/Predict`, 'unary', 'OK'))]: GOOD,
      [key(serverLabels(`${SELDON}/Predict`, 'unary', 'NotFound'))]: 1,
      [key(serverLabels(`${SELDON}/Predict`, 'unary', 'DeadlineExceeded'))]: 1,
      [key(serverLabels(`${SELDON}/Predict`, 'unary', 'InvalidArgument'))]: 1,
      [key(serverLabels(`${SELDON}/SendFeedback`, 'unary', 'OK'))]: 1,
      [key(serverLabels(`${SELDON}/ModelMetadata`, 'unary', 'OK'))]: 1,
      [key(serverLabels(`${SELDON}/GraphMetadata`, 'unary', 'OK'))]: 1,
      [key(serverLabels('predictions', 'post', '200'))]: 1,
    });
    assert.deepEqual(counts(samples, `${SERVER}_summary`), counts(samples, SERVER));
  });

  test('client series: the child\'s full method, method "unary", model_name = node, failing calls by code name', () => {
    assert.deepEqual(counts(samples, CLIENT), {
      // Every Predict passed t (GOOD + NotFound + DeadlineExceeded + the REST one).
      [key(clientLabels(`${PKG}.Transformer/TransformInput`, T, 'OK'))]: GOOD + 3,
      [key(clientLabels(`${PKG}.Model/Metadata`, T, 'OK'))]: 1,
      [key(clientLabels(`${PKG}.Model/Predict`, M, 'OK'))]: GOOD + 1,
      [key(clientLabels(`${PKG}.Model/Predict`, M, 'NotFound'))]: 1,
      [key(clientLabels(`${PKG}.Model/Predict`, M, 'DeadlineExceeded'))]: 1,
      [key(clientLabels(`${PKG}.Model/SendFeedback`, M, 'OK'))]: 1,
      [key(clientLabels(`${PKG}.Model/Metadata`, M, 'OK'))]: 2,
    });
    assert.deepEqual(counts(samples, `${CLIENT}_summary`), counts(samples, CLIENT));
  });

  test('buckets of the gRPC series are Seldon\'s, and the timed-out calls sit above the 1000 ms timeout', () => {
    for (const [name, labels, count] of [
      [SERVER, serverLabels(`${SELDON}/Predict`, 'unary', 'OK'), GOOD],
      [CLIENT, clientLabels(`${PKG}.Model/Predict`, M, 'OK'), GOOD + 1],
    ] as const) {
      const buckets = select(samples, `${name}_bucket`, labels);
      assert.deepEqual(buckets.map((b) => b.labels.le), BUCKETS, name);
      assert.equal(buckets.at(-1)?.value, count);
    }
    for (const [name, labels] of [
      [SERVER, serverLabels(`${SELDON}/Predict`, 'unary', 'DeadlineExceeded')],
      [CLIENT, clientLabels(`${PKG}.Model/Predict`, M, 'DeadlineExceeded')],
    ] as const) {
      assert.equal(valueOf(samples, `${name}_bucket`, { ...labels, le: '0.75' }), 0, `${name}: a timed-out call under 0.75 s`);
      assert.equal(valueOf(samples, `${name}_bucket`, { ...labels, le: '+Inf' }), 1);
      const sum = valueOf(samples, `${name}_sum`, labels);
      assert.ok(sum >= 0.99 && sum < 3, `${name}: ${sum} s`);
    }
  });
});
