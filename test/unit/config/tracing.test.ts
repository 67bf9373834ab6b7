import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig, type Config } from '../../../src/config';
import type { TracingConfig } from '../../../src/config/schema';

function load(env: Record<string, string | undefined>): Config {
  const result = loadConfig({ argv: ['--demo'], env, readFile: () => { throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' }); } });
  if (result.kind !== 'config') throw new Error('expected a config');
  return result.config;
}

function tracing(env: Record<string, string | undefined>): TracingConfig {
  const t = load(env).tracing;
  assert.ok(t !== undefined, 'tracing is on');
  return t;
}

function assertConfigError(env: Record<string, string | undefined>, ...parts: string[]): void {
  assert.throws(() => load(env), (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    for (const part of parts) assert.ok(err.message.includes(part), `${JSON.stringify(err.message)} lacks ${JSON.stringify(part)}`);
    return true;
  });
}

const ON = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };

test('tracing is off without an OTLP endpoint, and when disabled by OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none', () => {
  assert.equal(load({}).tracing, undefined);
  assert.equal(load({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' }).tracing, undefined);
  assert.equal(load({ ...ON, OTEL_SDK_DISABLED: 'true' }).tracing, undefined);
  assert.equal(load({ ...ON, OTEL_SDK_DISABLED: 'TRUE' }).tracing, undefined);
  assert.notEqual(load({ ...ON, OTEL_SDK_DISABLED: 'false' }).tracing, undefined);
  assert.equal(load({ ...ON, OTEL_TRACES_EXPORTER: 'none' }).tracing, undefined);
  assert.notEqual(load({ ...ON, OTEL_TRACES_EXPORTER: 'otlp' }).tracing, undefined);
  assertConfigError({ ...ON, OTEL_TRACES_EXPORTER: 'zipkin' }, 'OTEL_TRACES_EXPORTER', 'zipkin', 'OTLP only');
});

test('endpoint: the base URL gets v1/traces, the traces URL is used as is and wins', () => {
  assert.equal(tracing(ON).endpoint, 'http://collector:4318/v1/traces');
  assert.equal(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c.example/otlp/' }).endpoint, 'https://c.example/otlp/v1/traces');
  assert.equal(tracing({ ...ON, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://other:9999/custom' }).endpoint, 'http://other:9999/custom');
  assert.equal(tracing({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://other:9999/custom' }).endpoint, 'http://other:9999/custom');
  assertConfigError({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT', 'http');
  assertConfigError({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url' }, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
});

test('defaults: http/protobuf, service "executor" (Seldon\'s), parent-based always-on sampling, Jaeger propagation, SDK batch defaults', () => {
  const t = tracing(ON);
  assert.deepEqual({ ...t, headers: { ...t.headers }, resourceAttributes: { ...t.resourceAttributes } }, {
    endpoint: 'http://collector:4318/v1/traces',
    protocol: 'http/protobuf',
    headers: {},
    timeoutMs: 10_000,
    compression: 'none',
    serviceName: 'executor',
    resourceAttributes: {},
    sampler: 'parentbased_always_on',
    samplerRatio: 1,
    propagation: 'jaeger',
    scheduleDelayMs: 5000,
    exportTimeoutMs: 30_000,
    maxQueueSize: 2048,
    maxExportBatchSize: 512,
  });
  assert.equal(tracing({ ...ON, JAEGER_TRACE_PROPAGATION_TYPE: 'B3' }).propagation, 'b3');
});

test('service name: OTEL_SERVICE_NAME, else service.name of OTEL_RESOURCE_ATTRIBUTES, else JAEGER_SERVICE_NAME, else executor', () => {
  assert.equal(tracing({ ...ON, OTEL_SERVICE_NAME: 'a', JAEGER_SERVICE_NAME: 'b', OTEL_RESOURCE_ATTRIBUTES: 'service.name=c' }).serviceName, 'a');
  assert.equal(tracing({ ...ON, JAEGER_SERVICE_NAME: 'b', OTEL_RESOURCE_ATTRIBUTES: 'service.name=c' }).serviceName, 'c');
  assert.equal(tracing({ ...ON, JAEGER_SERVICE_NAME: 'b' }).serviceName, 'b');
  const t = tracing({ ...ON, OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod, team=ml%20ops,,' });
  assert.deepEqual({ ...t.resourceAttributes }, { 'deployment.environment': 'prod', team: 'ml ops' });
  assertConfigError({ ...ON, OTEL_RESOURCE_ATTRIBUTES: 'novalue' }, 'OTEL_RESOURCE_ATTRIBUTES', 'key=value');
});

test('samplers and their ratio', () => {
  for (const s of ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio']) {
    assert.equal(tracing({ ...ON, OTEL_TRACES_SAMPLER: s }).sampler, s);
  }
  assert.equal(tracing({ ...ON, OTEL_TRACES_SAMPLER: 'TraceIdRatio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).samplerRatio, 0.25);
  assert.equal(tracing({ ...ON, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }).samplerRatio, 0);
  assert.equal(tracing({ ...ON, OTEL_TRACES_SAMPLER: 'traceidratio' }).samplerRatio, 1);
  assertConfigError({ ...ON, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' }, 'OTEL_TRACES_SAMPLER_ARG', '1.5');
  assertConfigError({ ...ON, OTEL_TRACES_SAMPLER: 'jaeger_remote' }, 'OTEL_TRACES_SAMPLER', 'jaeger_remote');
});

test('exporter settings: protocol, headers (traces-specific wins per key), timeout, compression, batch', () => {
  const t = tracing({
    ...ON,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20a,x-tenant=one',
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-tenant=two',
    OTEL_EXPORTER_OTLP_TIMEOUT: '2000',
    OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_BSP_EXPORT_TIMEOUT: '1000',
    OTEL_BSP_MAX_QUEUE_SIZE: '100',
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512',
  });
  assert.equal(t.protocol, 'http/json');
  assert.deepEqual({ ...t.headers }, { authorization: 'Bearer a', 'x-tenant': 'two' });
  assert.equal(t.timeoutMs, 2000);
  assert.equal(t.compression, 'gzip');
  assert.deepEqual([t.scheduleDelayMs, t.exportTimeoutMs, t.maxQueueSize, t.maxExportBatchSize], [100, 1000, 100, 100]);
  assertConfigError({ ...ON, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'OTEL_EXPORTER_OTLP_PROTOCOL', 'HTTP only', '4318');
  assertConfigError({ ...ON, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'thrift' }, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL');
  assertConfigError({ ...ON, OTEL_EXPORTER_OTLP_TIMEOUT: '0' }, 'OTEL_EXPORTER_OTLP_TIMEOUT');
  assertConfigError({ ...ON, OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd' }, 'OTEL_EXPORTER_OTLP_COMPRESSION');
  assertConfigError({ ...ON, OTEL_BSP_SCHEDULE_DELAY: 'soon' }, 'OTEL_BSP_SCHEDULE_DELAY');
  // Bad tracing values do not matter while tracing is off.
  assert.equal(load({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).tracing, undefined);
});
