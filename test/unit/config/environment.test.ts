import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, type Config } from '../../../src/config';
import { assertConfigError, fakeSource } from './fake-source';

function load(argv: string[], env: Record<string, string | undefined> = {}, files: Record<string, string> = {}): Config {
  const result = loadConfig(fakeSource(['--demo', ...argv], env, files));
  if (result.kind !== 'config') throw new Error('expected a config');
  return result.config;
}

test('SELDON_ENABLE_ROUTING_INJECTION truth table ("false" disables it: fixes Seldon quirk 8)', () => {
  const table: [string | undefined, boolean][] = [
    [undefined, false], ['', false], ['  ', false],
    ['false', false], ['FALSE', false], ['False', false], ['0', false], ['no', false], ['NO', false], ['off', false], ['Off', false],
    ['true', true], ['1', true], ['yes', true], ['on', true], ['anything', true],
  ];
  for (const [value, enabled] of table) {
    assert.equal(load([], { SELDON_ENABLE_ROUTING_INJECTION: value }).routingInjection, enabled, String(value));
  }
});

const CERTS = { '/cert/tls.crt': 'CERT', '/cert/tls.key': 'KEY' };

test('TLS: off without SELDON_CERT_MOUNT_PATH; default file names under it', () => {
  assert.equal(load([]).tls, undefined);
  assert.equal(load([], { SELDON_CERT_MOUNT_PATH: '' }).tls, undefined);
  assert.deepEqual(load([], { SELDON_CERT_MOUNT_PATH: '/cert' }, CERTS).tls, { certFile: '/cert/tls.crt', keyFile: '/cert/tls.key' });
  assert.deepEqual(load([], { SELDON_CERT_MOUNT_PATH: '/cert/' }, CERTS).tls, { certFile: '/cert/tls.crt', keyFile: '/cert/tls.key' });
});

test('TLS: the key name comes from SELDON_CERT_KEY_FILE_NAME, not SELDON_CERT_FILE_NAME (fixes Seldon quirk 12)', () => {
  const files = { '/c/server.pem': 'CERT', '/c/server-key.pem': 'KEY', '/c/tls.key': 'KEY' };
  const env = { SELDON_CERT_MOUNT_PATH: '/c', SELDON_CERT_FILE_NAME: 'server.pem' };
  assert.deepEqual(load([], env, files).tls, { certFile: '/c/server.pem', keyFile: '/c/tls.key' });
  assert.deepEqual(load([], { ...env, SELDON_CERT_KEY_FILE_NAME: 'server-key.pem' }, files).tls, { certFile: '/c/server.pem', keyFile: '/c/server-key.pem' });
});

test('TLS: a missing certificate or key is an error naming the variable and the path', () => {
  assertConfigError(() => load([], { SELDON_CERT_MOUNT_PATH: '/cert' }, { '/cert/tls.key': 'KEY' }), 'SELDON_CERT_FILE_NAME', '/cert/tls.crt');
  assertConfigError(() => load([], { SELDON_CERT_MOUNT_PATH: '/cert' }, { '/cert/tls.crt': 'CERT' }), 'SELDON_CERT_KEY_FILE_NAME', '/cert/tls.key');
  assertConfigError(() => load([], { SELDON_CERT_MOUNT_PATH: '/none' }), 'SELDON_CERT_MOUNT_PATH', '/none/tls.crt');
});

test('CORS, request-logger endpoint and trace propagation come from the environment', () => {
  const c = load([], {
    CORS_ALLOWED_ORIGINS: 'https://a.example',
    CORS_ALLOWED_HEADERS: 'X-A',
    REQUEST_LOGGER_DEFAULT_ENDPOINT: 'http://logger:8080',
    JAEGER_TRACE_PROPAGATION_TYPE: 'b3',
  });
  assert.equal(c.corsAllowedOrigins, 'https://a.example');
  assert.equal(c.corsAllowedHeaders, 'X-A');
  assert.equal(c.requestLoggerDefaultEndpoint, 'http://logger:8080');
  assert.equal(c.tracePropagation, 'b3');
  assert.equal(load([], { JAEGER_TRACE_PROPAGATION_TYPE: 'jaeger' }).tracePropagation, 'jaeger');
  assert.equal(load([], { JAEGER_TRACE_PROPAGATION_TYPE: 'w3c' }).tracePropagation, 'jaeger');
});

test('hostname: --hostname, else POD_NAME, else localhost; the server URL uses the resolved hostname', () => {
  assert.equal(load(['--http_port=8000']).serverUrl, 'http://localhost:8000/');
  const pod = load(['--http_port', '8000'], { POD_NAME: 'pod-1' });
  assert.equal(pod.hostname, 'pod-1');
  assert.equal(pod.serverUrl, 'http://pod-1:8000/');
  const flagged = load(['--hostname', 'engine', '--http_port=0'], { POD_NAME: 'pod-1' });
  assert.equal(flagged.serverUrl, 'http://engine:0/');
  assert.equal(load(['--hostname='], { POD_NAME: 'pod-1' }).hostname, 'pod-1');
});

test('the environment comes only from the ConfigSource, never from process.env', () => {
  const saved = process.env['POD_NAME'];
  process.env['POD_NAME'] = 'leaked';
  try {
    assert.equal(load([]).hostname, 'localhost');
  } finally {
    if (saved === undefined) delete process.env['POD_NAME'];
    else process.env['POD_NAME'] = saved;
  }
});

test('the config is deep-frozen, predictorSpec and annotations included', () => {
  const c = load([], { SELDON_CERT_MOUNT_PATH: '/cert' }, { ...CERTS, '/etc/podinfo/annotations': 'a="1"' });
  const spec = c.predictorSpec as { graph: { children: { name: string }[] }; componentSpecs: unknown[] };
  for (const [name, value] of Object.entries({
    config: c,
    annotations: c.annotations,
    'annotations.all': c.annotations.all,
    tls: c.tls,
    predictorSpec: spec,
    graph: spec.graph,
    children: spec.graph.children,
    child: spec.graph.children[0],
    componentSpecs: spec.componentSpecs,
  })) {
    assert.ok(value !== undefined && Object.isFrozen(value), `${name} is frozen`);
  }
  assert.throws(() => {
    (spec.graph.children[0] as { name: string }).name = 'changed';
  }, TypeError);
});
