import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CORS_ALLOWED_HEADERS, helpText, loadConfig, type Config } from '../../../src/config';
import { assertConfigError, fakeSource } from './fake-source';
import { ENV_VARS, FLAGS, INFERGRAPH_FLAGS, SELDON_FLAGS } from '../../../src/config/flags';

/** Loads with the demo graph, so only the flags under test matter. */
function load(argv: string[], env: Record<string, string | undefined> = {}): Config {
  const result = loadConfig(fakeSource(['--demo', ...argv], env));
  if (result.kind !== 'config') throw new Error('expected a config');
  return result.config;
}

test('defaults: every Seldon flag, infergraph flag and environment setting', () => {
  const c = load([]);
  const expected: Partial<Config> = {
    serverType: 'rpc',
    kubeconfig: '',
    sdep: 'infergraph',
    namespace: 'default',
    predictor: 'demo',
    httpPort: 8080,
    grpcPort: 5000,
    gracefulTimeoutMs: 15000,
    shutdownDelayMs: 0,
    protocol: 'seldon',
    transport: 'rest',
    file: '',
    hostname: 'localhost',
    loggerWorkers: 10,
    logWorkBufferSize: 10000,
    logWriteTimeoutMs: 2000,
    prometheusPath: '/metrics',
    fullHealthChecks: false,
    debug: false,
    logLevel: 'INFO',
    demo: true,
    annotationsFile: '/etc/podinfo/annotations',
    maxBodyBytes: 67108864,
    defaultRestTimeoutMs: 300000,
    headersTimeoutMs: 10000,
    requestTimeoutMs: 300000,
    keepAliveTimeoutMs: 65000,
    readinessCheckTimeoutMs: 1000,
    requestLoggerDefaultEndpoint: 'http://default-broker',
    routingInjection: false,
    corsAllowedOrigins: '*',
    corsAllowedHeaders: DEFAULT_CORS_ALLOWED_HEADERS,
    tls: undefined,
    tracePropagation: 'jaeger',
    serverUrl: 'http://localhost:8080/',
    graphSource: '--demo',
  };
  for (const [key, value] of Object.entries(expected)) assert.deepEqual(c[key as keyof Config], value, key);
});

test('the Kafka flags are accepted (no effect in rpc mode)', () => {
  const c = load([
    '--kafka_broker', 'b:9092', '--kafka_input_topic=in', '-kafka_output_topic', 'out', '--kafka_full_graph',
    '--kafka_auto_commit=false', '-kafka_workers=8', '--log_kafka_topic', 't', '--config', '/kube',
  ]);
  assert.equal(c.serverType, 'rpc');
  assert.equal(c.kubeconfig, '/kube');
});

test('flag syntax: --x v, --x=v, -x v and -x=v', () => {
  for (const argv of [['--http_port', '9000'], ['--http_port=9000'], ['-http_port', '9000'], ['-http_port=9000']]) {
    assert.equal(load(argv).httpPort, 9000, argv.join(' '));
  }
  const c = load(['-sdep', 'mine', '--namespace=ns', '--graceful_timeout', '1m30s', '-shutdown_delay=2.5s', '--prometheus_path', '/prometheus']);
  assert.equal(c.sdep, 'mine');
  assert.equal(c.namespace, 'ns');
  assert.equal(c.gracefulTimeoutMs, 90000);
  assert.equal(c.shutdownDelayMs, 2500);
  assert.equal(c.prometheusPath, '/prometheus');
});

test('flag syntax: the last occurrence wins; a value may start with "-"; "--" ends the flags', () => {
  assert.equal(load(['--http_port=1', '--http_port=2']).httpPort, 2);
  assert.equal(load(['--hostname', '-weird']).hostname, '-weird');
  assert.equal(load(['--http_port=0', '--']).httpPort, 0);
  assertConfigError(() => load(['--', 'extra']), 'unexpected argument "extra"');
});

test('bool flags: bare is true, =value takes Go ParseBool spellings, and never consume the next argument', () => {
  for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(load([`--full_health_checks=${t}`]).fullHealthChecks, true, t);
  for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(load([`--full_health_checks=${f}`]).fullHealthChecks, false, f);
  assert.equal(load(['--full_health_checks']).fullHealthChecks, true);
  assert.equal(load(['-debug']).debug, true);
  assertConfigError(() => load(['--full_health_checks', 'false']), 'unexpected argument "false"');
  assertConfigError(() => load(['--debug=yes']), '--debug', '"yes"');
});

test('bad ints name the flag and the value', () => {
  assertConfigError(() => load(['--http_port=abc']), 'invalid value "abc" for flag --http_port: not an integer in 0..65535');
  assertConfigError(() => load(['--http_port', '65536']), '--http_port', '"65536"');
  assertConfigError(() => load(['--grpc_port=-1']), '--grpc_port', '"-1"');
  assertConfigError(() => load(['--http_port=1.5']), '--http_port', '"1.5"');
  assertConfigError(() => load(['--http_port=']), '--http_port', '""');
  assertConfigError(() => load(['--logger_workers=0']), '--logger_workers', '"0"', '> 0');
  assertConfigError(() => load(['--max_body_bytes=0']), '--max_body_bytes', '"0"');
  assertConfigError(() => load(['--log_work_buffer_size=-1']), '--log_work_buffer_size', '"-1"');
  assert.equal(load(['--http_port=0', '--grpc_port=65535']).grpcPort, 65535);
  assert.equal(load(['--log_write_timeout_ms=-5']).logWriteTimeoutMs, -5);
});

test('bad durations name the flag and the value', () => {
  assertConfigError(() => load(['--graceful_timeout=15']), '--graceful_timeout', '"15"', 'missing unit');
  assertConfigError(() => load(['--request_timeout', 'abc']), '--request_timeout', '"abc"');
  assertConfigError(() => load(['--headers_timeout=0']), '--headers_timeout', '"0"', '> 0');
  assertConfigError(() => load(['--graceful_timeout=-1s']), '--graceful_timeout', '"-1s"');
  assertConfigError(() => load(['--shutdown_delay=-1s']), '--shutdown_delay', '"-1s"', '>= 0');
  assert.equal(load(['--shutdown_delay=0s']).shutdownDelayMs, 0);
  assert.equal(load(['--readiness_timeout=250ms']).readinessCheckTimeoutMs, 250);
  assert.equal(load(['--default_rest_timeout=2s', '--keepalive_timeout=1m']).keepAliveTimeoutMs, 60000);
});

test('log level: case-insensitive, WARN means WARNING, env default, bad values rejected', () => {
  assert.equal(load(['--log_level=WARN']).logLevel, 'WARNING');
  assert.equal(load(['--log_level', 'warn']).logLevel, 'WARNING');
  assert.equal(load(['--log_level=Warning']).logLevel, 'WARNING');
  assert.equal(load(['--log_level=debug']).logLevel, 'DEBUG');
  assert.equal(load(['--log_level=ERROR']).logLevel, 'ERROR');
  assert.equal(load(['--log_level=fatal']).logLevel, 'FATAL');
  assert.equal(load([], { SELDON_LOG_LEVEL: 'warn' }).logLevel, 'WARNING');
  assert.equal(load(['--log_level=ERROR'], { SELDON_LOG_LEVEL: 'DEBUG' }).logLevel, 'ERROR');
  assert.equal(load([], { SELDON_LOG_LEVEL: '' }).logLevel, 'INFO');
  assertConfigError(() => load(['--log_level=VERBOSE']), '--log_level', '"VERBOSE"');
  assertConfigError(() => load([], { SELDON_LOG_LEVEL: 'loud' }), 'SELDON_LOG_LEVEL', '"loud"');
});

test('debug: env SELDON_DEBUG is the default, the flag overrides it', () => {
  assert.equal(load([], { SELDON_DEBUG: 'true' }).debug, true);
  assert.equal(load([], { SELDON_DEBUG: '0' }).debug, false);
  assert.equal(load(['--debug=false'], { SELDON_DEBUG: 'true' }).debug, false);
  assertConfigError(() => load([], { SELDON_DEBUG: 'nope' }), 'SELDON_DEBUG', '"nope"');
});

test('protocol, transport, server_type and prometheus_path are validated', () => {
  for (const p of ['tensorflow', 'v2', 'kfserving']) assertConfigError(() => load(['--protocol', p]), p, 'supports only the seldon protocol');
  assertConfigError(() => load(['--protocol=grpc']), '--protocol', '"grpc"', 'Protocol must be seldon, tensorflow or v2');
  assert.equal(load(['--transport=grpc']).transport, 'grpc');
  assertConfigError(() => load(['--transport=http']), '--transport', '"http"');
  assertConfigError(() => load(['--server_type=kafka']), 'Kafka server mode is not supported by infergraph');
  assertConfigError(() => load(['--server_type=batch']), '--server_type', '"batch"');
  assertConfigError(() => load(['--prometheus_path=metrics']), '--prometheus_path', '"metrics"');
});

test('Kafka payload logging is refused, from the flag or the environment', () => {
  assertConfigError(() => load(['--log_kafka_broker=k:9092']), 'Kafka payload logging is not supported by infergraph');
  assertConfigError(() => load([], { LOGGER_KAFKA_BROKER: 'k:9092' }), 'Kafka payload logging is not supported by infergraph', 'LOGGER_KAFKA_BROKER');
  assert.equal(load([], { LOGGER_KAFKA_BROKER: '' }).serverType, 'rpc');
});

test('unknown flags, positional arguments and bad syntax are errors', () => {
  assertConfigError(() => load(['--nope']), 'unknown flag --nope');
  assertConfigError(() => load(['-nope=1']), 'unknown flag --nope');
  assertConfigError(() => load(['serve']), 'unexpected argument "serve"');
  assertConfigError(() => load(['-']), 'unexpected argument "-"');
  assertConfigError(() => load(['---http_port=1']), 'bad flag syntax');
  assertConfigError(() => load(['--http_port']), 'flag --http_port needs a value');
});

test('every bad argument is reported at once, one per line; the value of an unknown flag is not reported again', () => {
  const argv = ['--http_port=abc', '--bogus', 'v', '--graceful_timeout=xx', 'extra', '--grpc_port'];
  assert.throws(() => load(argv), (err: unknown) => {
    assert.ok(err instanceof Error);
    assert.equal(
      err.message,
      [
        '5 problems:',
        '  - invalid value "abc" for flag --http_port: not an integer in 0..65535',
        '  - unknown flag --bogus (see --help)',
        '  - invalid value "xx" for flag --graceful_timeout: invalid duration "xx" (write e.g. 15s, 500ms, 1m30s)',
        '  - unexpected argument "extra": infergraph takes only flags (see --help)',
        '  - flag --grpc_port needs a value',
      ].join('\n'),
    );
    return true;
  });
});

test('bad settings from flags, environment and files are reported at once; the graph file is one of them', () => {
  assertConfigError(
    () => loadConfig(fakeSource(['--server_type=x', '--prometheus_path=metrics', '--workers=0', '--file=/nope.yaml'], { SELDON_DEBUG: 'maybe' })),
    '5 problems:\n  - ',
    'invalid value "x" for flag --server_type',
    'invalid value "metrics" for flag --prometheus_path',
    'invalid value "maybe" for environment variable SELDON_DEBUG',
    'invalid value "0" for flag --workers',
    'cannot read --file "/nope.yaml"',
  );
  // One problem: its own message, no list.
  assertConfigError(() => load(['--transport=foo']), 'invalid value "foo" for flag --transport');
  assert.throws(() => load(['--transport=foo']), (err: unknown) => err instanceof Error && !err.message.includes('problems'));
});

test('-h, -help and --help return the help text; an earlier bad flag still fails first (as Go)', () => {
  for (const argv of [['--help'], ['-h'], ['-help'], ['--http_port=1', '--help', '--nope']]) {
    const result = loadConfig(fakeSource(argv));
    assert.equal(result.kind, 'help', argv.join(' '));
    if (result.kind === 'help') assert.equal(result.text, helpText());
  }
  assertConfigError(() => loadConfig(fakeSource(['--nope', '--help'])), 'unknown flag --nope');
});

test('help lists every flag with its default, and the environment variables', () => {
  const text = helpText();
  assert.equal(FLAGS.length, SELDON_FLAGS.length + INFERGRAPH_FLAGS.length);
  assert.equal(SELDON_FLAGS.length, 28);
  for (const flag of FLAGS) {
    assert.ok(text.includes(`  --${flag.name}`), flag.name);
    assert.ok(flag.help.length > 0 && text.includes(flag.help), `${flag.name} help`);
  }
  for (const [name] of ENV_VARS) assert.ok(text.includes(`  ${name}\n`), name);
  for (const shown of ['(default 8080)', '(default 5000)', '(default "rpc")', '(default 15s)', '(default 0)', '(default "/metrics")', '(default 67108864)', '(default: $SELDON_LOG_LEVEL, else INFO)']) {
    assert.ok(text.includes(shown), shown);
  }
});

test('durations past what Node timers take (~24.8 days) are capped there, not wrapped to 1 ms', () => {
  const c = load(['--graceful_timeout=600h', '--shutdown_delay=9000h']);
  assert.equal(c.gracefulTimeoutMs, 2 ** 31 - 1);
  assert.equal(c.shutdownDelayMs, 2 ** 31 - 1);
  assert.equal(load(['--graceful_timeout=500h']).gracefulTimeoutMs, 500 * 3_600_000);
});

test('--prometheus_path may not take one of the engine\'s API or probe paths', () => {
  for (const path of ['/ready', '/live', '/api/v1.0/predictions', '/api/v0.1/feedback', '/api/v1.0/status', '/api/v1.0/status/m', '/api/v1.0/metadata']) {
    assertConfigError(() => load([`--prometheus_path=${path}`]), '--prometheus_path', JSON.stringify(path), 'API or probe paths');
  }
  assert.equal(load(['--prometheus_path=/api/v1.0/prom']).prometheusPath, '/api/v1.0/prom');
  assert.equal(load(['--prometheus_path=/api/v1.0/predictionsX']).prometheusPath, '/api/v1.0/predictionsX');
});
