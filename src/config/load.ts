/**
 * Builds the Config once at startup from argv, the environment and files, all passed in by main, so
 * this module never touches process.env, process.argv or the file system itself.
 */
import * as path from 'node:path';
import { DEFAULT_CORS_ALLOWED_HEADERS, type Config, type LogLevel, type TlsConfig } from './schema';
import { ConfigError, helpText, parseFlags, parseGoBool, type ParsedFlags } from './flags';
import { interpretAnnotations, parseAnnotationsFile } from './annotations';
import { findPredictorSpec } from './predictor-source';
import { resolveTracing } from './tracing';
import { isEngineRoute } from '../transports/http/routes';

export { ConfigError } from './flags';

/** Everything loadConfig reads. main passes the real process values; tests pass fakes. */
export interface ConfigSource {
  /** Arguments after the script, e.g. `['--file', 'g.yaml', '--http_port=0']`. */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a UTF-8 file; throws (with `code` ENOENT etc.) when it cannot. */
  readFile(path: string): string;
  /** Cores available to the process (for `--workers auto`); main passes os.availableParallelism(). */
  readonly cores?: number;
}

/** `--help` was asked for, or a config was built (warnings are for main to log, e.g. a skipped annotation line). */
export type LoadResult = { readonly kind: 'help'; readonly text: string } | { readonly kind: 'config'; readonly config: Config; readonly warnings: string[] };

type Env = ConfigSource['env'];

/** The variable's value, or undefined when it is unset or empty (Go's os.Getenv cannot tell the two apart). */
function envValue(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function errorCode(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
}

function checkServerType(flags: ParsedFlags): 'rpc' {
  const value = flags.string('server_type');
  if (value === 'rpc') return 'rpc';
  if (value === 'kafka') throw new ConfigError('Kafka server mode is not supported by infergraph (--server_type kafka)');
  throw ConfigError.invalid('flag --server_type', value, 'must be rpc or kafka');
}

function checkProtocol(flags: ParsedFlags): 'seldon' {
  const value = flags.string('protocol');
  if (value === 'seldon') return 'seldon';
  if (value === 'tensorflow' || value === 'v2' || value === 'kfserving') {
    throw new ConfigError(`--protocol ${value}: infergraph supports only the seldon protocol for now`);
  }
  throw ConfigError.invalid('flag --protocol', value, 'Protocol must be seldon, tensorflow or v2');
}

function checkTransport(flags: ParsedFlags): 'rest' | 'grpc' {
  const value = flags.string('transport');
  if (value === 'rest' || value === 'grpc') return value;
  throw ConfigError.invalid('flag --transport', value, 'only rest and grpc are supported');
}

/** Kafka request logging is a different sink infergraph does not have: refuse rather than silently log nowhere. */
function rejectKafkaLogging(flags: ParsedFlags, env: Env): void {
  const broker = flags.string('log_kafka_broker');
  if (broker !== '') throw new ConfigError(`Kafka payload logging is not supported by infergraph (--log_kafka_broker ${JSON.stringify(broker)})`);
  const envBroker = envValue(env, 'LOGGER_KAFKA_BROKER');
  if (envBroker !== undefined) {
    throw new ConfigError(`Kafka payload logging is not supported by infergraph (LOGGER_KAFKA_BROKER=${JSON.stringify(envBroker)})`);
  }
}

function checkPrometheusPath(flags: ParsedFlags): string {
  const value = flags.string('prometheus_path');
  if (!value.startsWith('/')) throw ConfigError.invalid('flag --prometheus_path', value, 'must start with /');
  // Routes are matched by exact path: on one of the engine's own it would hide predictions or a probe.
  if (isEngineRoute(value)) throw ConfigError.invalid('flag --prometheus_path', value, 'is one of the engine\'s own API or probe paths');
  return value;
}

/** Case-insensitive; WARN means WARNING (Seldon silently fell back to INFO for it: quirk 13). */
const LOG_LEVELS: ReadonlyMap<string, LogLevel> = new Map([
  ['DEBUG', 'DEBUG'],
  ['INFO', 'INFO'],
  ['WARN', 'WARNING'],
  ['WARNING', 'WARNING'],
  ['ERROR', 'ERROR'],
  ['FATAL', 'FATAL'],
]);

function resolveLogLevel(flags: ParsedFlags, env: Env): LogLevel {
  const fromFlag = flags.isSet('log_level');
  const raw = fromFlag ? flags.string('log_level') : (envValue(env, 'SELDON_LOG_LEVEL') ?? 'INFO');
  const level = LOG_LEVELS.get(raw.trim().toUpperCase());
  if (level !== undefined) return level;
  const subject = fromFlag ? 'flag --log_level' : 'environment variable SELDON_LOG_LEVEL';
  throw ConfigError.invalid(subject, raw, 'must be DEBUG, INFO, WARNING (or WARN), ERROR or FATAL');
}

function resolveDebug(flags: ParsedFlags, env: Env): boolean {
  if (flags.isSet('debug')) return flags.bool('debug');
  const raw = envValue(env, 'SELDON_DEBUG');
  if (raw === undefined) return false;
  const value = parseGoBool(raw);
  if (value === undefined) throw ConfigError.invalid('environment variable SELDON_DEBUG', raw, 'not a boolean (true/false, t/f, 1/0)');
  return value;
}

/** Enabled for any non-empty value except false/0/no/off: Seldon enabled it even for "false" (quirk 8). */
function routingInjection(env: Env): boolean {
  const value = (env['SELDON_ENABLE_ROUTING_INJECTION'] ?? '').trim().toLowerCase();
  return value !== '' && !['false', '0', 'no', 'off'].includes(value);
}

/** The key file follows SELDON_CERT_KEY_FILE_NAME (Seldon looked it up under SELDON_CERT_FILE_NAME: quirk 12). */
function resolveTls(env: Env, readFile: ConfigSource['readFile']): TlsConfig | undefined {
  const mount = envValue(env, 'SELDON_CERT_MOUNT_PATH');
  if (mount === undefined) return undefined;
  const certFile = path.join(mount, envValue(env, 'SELDON_CERT_FILE_NAME') ?? 'tls.crt');
  const keyFile = path.join(mount, envValue(env, 'SELDON_CERT_KEY_FILE_NAME') ?? 'tls.key');
  const check = (file: string, nameVar: string, what: string): void => {
    try {
      readFile(file);
    } catch (err) {
      throw new ConfigError(`TLS ${what} ${file} (from SELDON_CERT_MOUNT_PATH and ${nameVar}) cannot be read: ${errorText(err)}`);
    }
  };
  check(certFile, 'SELDON_CERT_FILE_NAME', 'certificate');
  check(keyFile, 'SELDON_CERT_KEY_FILE_NAME', 'key');
  return { certFile, keyFile };
}

/**
 * A missing annotations file is normal outside Kubernetes: no annotations. An error without a code (a test
 * fake) counts as missing too; any other failure (EACCES, EISDIR) is reported, since the user pointed at it.
 */
function readAnnotationsFile(file: string, readFile: ConfigSource['readFile'], warnings: string[]): Record<string, string> {
  if (file === '') return {};
  let text: string;
  try {
    text = readFile(file);
  } catch (err) {
    const code = errorCode(err);
    if (code === undefined || code === 'ENOENT' || code === 'ENOTDIR') return {};
    throw new ConfigError(`cannot read --annotations_file ${JSON.stringify(file)}: ${errorText(err)}`);
  }
  const parsed = parseAnnotationsFile(text, file);
  warnings.push(...parsed.warnings);
  return parsed.values;
}

/** Freezes the whole tree (the visited set guards against YAML aliases that share or loop). */
function deepFreeze<T>(value: T, seen = new WeakSet<object>()): T {
  if (typeof value === 'object' && value !== null && !seen.has(value)) {
    seen.add(value);
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child, seen);
  }
  return value;
}

/** `--workers`: a positive integer, or `auto` for one per available core. */
function parseWorkers(text: string, cores: number): number {
  if (text.trim().toLowerCase() === 'auto') return Math.max(1, cores);
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1 || n > 256) {
    throw ConfigError.invalid('flag --workers', text, 'expected a number of processes from 1 to 256, or auto');
  }
  return n;
}

/** `--metrics_buckets`: positive, finite, strictly increasing numbers. */
function parseBuckets(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const values = parts.map(Number);
  const bad = values.findIndex((v, i) => !Number.isFinite(v) || v <= 0 || (i > 0 && v <= (values[i - 1] ?? 0)));
  if (parts.length === 0 || bad !== -1) {
    throw ConfigError.invalid('flag --metrics_buckets', text, 'expected positive numbers of seconds in increasing order, e.g. 0.001,0.01,0.1,1');
  }
  return values;
}

/** Jaeger's propagation unless JAEGER_TRACE_PROPAGATION_TYPE asks for B3. */
function tracePropagationOf(env: Env): 'b3' | 'jaeger' {
  return (env['JAEGER_TRACE_PROPAGATION_TYPE'] ?? '').trim().toLowerCase() === 'b3' ? 'b3' : 'jaeger';
}

/**
 * Runs every check and returns their results by name, or throws one ConfigError listing every
 * check that failed (the message of the only one, when one failed). Other errors are bugs and pass.
 */
function checkAll<T extends Record<string, () => unknown>>(checks: T): { [K in keyof T]: ReturnType<T[K]> } {
  const results: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, check] of Object.entries(checks)) {
    try {
      results[name] = check();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(err.message);
    }
  }
  if (problems.length === 1) throw new ConfigError(problems[0] as string);
  if (problems.length > 1) throw new ConfigError(`${problems.length} problems:\n  - ${problems.map((p) => p.replace(/\n/g, '\n    ')).join('\n  - ')}`);
  // Every check returned: results holds each name's return value.
  return results as { [K in keyof T]: ReturnType<T[K]> };
}

/**
 * Builds the deep-frozen Config, or the help text for -h/--help.
 * @throws ConfigError naming the flag, variable, annotation or file and the bad value.
 */
export function loadConfig(source: ConfigSource): LoadResult {
  const flags = parseFlags(source.argv);
  if (flags === 'help') return { kind: 'help', text: helpText() };
  const env = source.env;

  // Independent settings: every bad one is reported at once. The annotations come from the graph
  // file, so they are read once it has loaded.
  const checked = checkAll({
    serverType: () => checkServerType(flags),
    protocol: () => checkProtocol(flags),
    transport: () => checkTransport(flags),
    kafkaLogging: () => rejectKafkaLogging(flags, env),
    prometheusPath: () => checkPrometheusPath(flags),
    logLevel: () => resolveLogLevel(flags, env),
    debug: () => resolveDebug(flags, env),
    metricsBuckets: () => parseBuckets(flags.string('metrics_buckets')),
    workers: () => parseWorkers(flags.string('workers'), source.cores ?? 1),
    tls: () => resolveTls(env, (file) => source.readFile(file)),
    tracing: () => resolveTracing(env, tracePropagationOf(env)),
    graph: () =>
      findPredictorSpec({
        demo: flags.bool('demo'),
        file: flags.string('file'),
        predictor: flags.string('predictor'),
        enginePredictor: env['ENGINE_PREDICTOR'],
        readFile: (file) => source.readFile(file),
      }),
  });
  const { serverType, protocol, transport, prometheusPath, logLevel, debug, graph } = checked;
  const warnings = [...graph.warnings];
  // Later wins: the SeldonDeployment's, then the predictor's (both in graph.annotations), then the pod's file.
  const fileAnnotations = readAnnotationsFile(flags.string('annotations_file'), (file) => source.readFile(file), warnings);
  const annotations = interpretAnnotations({ ...graph.annotations, ...fileAnnotations });

  const specName = graph.predictorSpec['name'];
  const httpPort = flags.int('http_port');
  // Seldon built the server URL before defaulting the hostname, giving "http://:8000/"; here the default comes first.
  const hostname = flags.string('hostname') || (envValue(env, 'POD_NAME') ?? 'localhost');
  const tracePropagation = tracePropagationOf(env);

  const config: Config = {
    serverType,
    kubeconfig: flags.string('config'),
    sdep: flags.string('sdep') || (graph.sdepName ?? 'infergraph'),
    namespace: flags.string('namespace') || (envValue(env, 'POD_NAMESPACE') ?? graph.sdepNamespace ?? 'default'),
    predictor: flags.string('predictor') || (typeof specName === 'string' && specName !== '' ? specName : 'default'),
    httpPort,
    grpcPort: flags.int('grpc_port'),
    gracefulTimeoutMs: flags.durationMs('graceful_timeout'),
    shutdownDelayMs: flags.durationMs('shutdown_delay'),
    protocol,
    transport,
    file: flags.string('file'),
    hostname,
    loggerWorkers: flags.int('logger_workers'),
    logWorkBufferSize: flags.int('log_work_buffer_size'),
    logWriteTimeoutMs: flags.int('log_write_timeout_ms'),
    prometheusPath,
    fullHealthChecks: flags.bool('full_health_checks'),
    debug,
    logLevel,

    demo: flags.bool('demo'),
    annotationsFile: flags.string('annotations_file'),
    maxBodyBytes: flags.int('max_body_bytes'),
    defaultRestTimeoutMs: flags.durationMs('default_rest_timeout'),
    headersTimeoutMs: flags.durationMs('headers_timeout'),
    requestTimeoutMs: flags.durationMs('request_timeout'),
    keepAliveTimeoutMs: flags.durationMs('keepalive_timeout'),
    readinessCheckTimeoutMs: flags.durationMs('readiness_timeout'),
    metricsBuckets: checked.metricsBuckets,
    workers: checked.workers,

    requestLoggerDefaultEndpoint: envValue(env, 'REQUEST_LOGGER_DEFAULT_ENDPOINT') ?? 'http://default-broker',
    routingInjection: routingInjection(env),
    corsAllowedOrigins: envValue(env, 'CORS_ALLOWED_ORIGINS') ?? '*',
    corsAllowedHeaders: envValue(env, 'CORS_ALLOWED_HEADERS') ?? DEFAULT_CORS_ALLOWED_HEADERS,
    tls: checked.tls,
    tracePropagation,
    tracing: checked.tracing,
    serverUrl: `http://${hostname}:${httpPort}/`,

    annotations,
    predictorSpec: graph.predictorSpec,
    graphSource: graph.graphSource,
  };
  return { kind: 'config', config: deepFreeze(config), warnings };
}
