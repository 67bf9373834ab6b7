/**
 * The command-line flags: Seldon's executor flags (same names, same defaults, same Go `flag` syntax)
 * plus infergraph's own, the `--help` text built from the same table, and the argv parser.
 * ConfigError lives here because this is the bottom layer of src/config: the other config modules
 * import it from here, which keeps the module graph acyclic (load.ts re-exports it).
 */
import { DEFAULT_CORS_ALLOWED_HEADERS } from './schema';
import { DurationSyntaxError, parseDuration } from './duration';

/** Any bad flag, environment variable, annotation or graph file. main prints the message and exits 1. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }

  /** `invalid value "abc" for flag --http_port: not an integer in 0..65535` (subject names flag/variable/annotation). */
  static invalid(subject: string, value: string, reason: string): ConfigError {
    return new ConfigError(`invalid value ${JSON.stringify(value)} for ${subject}: ${reason}`);
  }
}

export type FlagKind = 'string' | 'int' | 'bool' | 'duration';
/** Range check of an int or duration flag: a TCP port, > 0, or >= 0. */
export type FlagRange = 'port' | 'positive' | 'nonNegative';

/** One row of the flag table. */
export interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  /** The default, written as on the command line (it goes through the same parser). */
  readonly default: string;
  readonly help: string;
  readonly range?: FlagRange;
  /** Printed by --help instead of `default` when the effective default is computed at load time. */
  readonly shownDefault?: string;
}

function flag(name: string, kind: FlagKind, dflt: string, help: string, extra: { range?: FlagRange; shownDefault?: string } = {}): FlagSpec {
  return { name, kind, default: dflt, help, ...extra };
}

const KAFKA_ONLY = 'Kafka server mode only (accepted for compatibility; no effect)';

/** Seldon's executor flags (reference section 1.3), in its order. */
export const SELDON_FLAGS: readonly FlagSpec[] = [
  flag('server_type', 'string', 'rpc', 'server mode: rpc (REST and gRPC servers); kafka is not supported by infergraph'),
  flag('config', 'string', '', 'path to a kubeconfig (accepted for compatibility; unused)'),
  flag('sdep', 'string', '', 'SeldonDeployment name (deployment_name metric label, CloudEvents inferenceservicename)', {
    shownDefault: 'the --file SeldonDeployment\'s metadata.name, else "infergraph"',
  }),
  flag('namespace', 'string', '', 'namespace of the SeldonDeployment', {
    shownDefault: '$POD_NAMESPACE, else the --file SeldonDeployment\'s metadata.namespace, else "default"',
  }),
  flag('predictor', 'string', '', 'predictor name; also picks the predictor of a --file SeldonDeployment that has several', {
    shownDefault: 'the chosen predictor\'s name, else "default"',
  }),
  flag('http_port', 'int', '8080', 'REST listener port (0: any free port)', { range: 'port' }),
  flag('grpc_port', 'int', '5000', 'gRPC listener port (0: any free port)', { range: 'port' }),
  flag('graceful_timeout', 'duration', '15s', 'on SIGTERM, how long in-flight requests may take to finish', { range: 'positive' }),
  flag('shutdown_delay', 'duration', '0', 'on SIGTERM, how long to keep serving before the graceful shutdown starts', { range: 'nonNegative' }),
  flag('protocol', 'string', 'seldon', 'API protocol: seldon (tensorflow and v2/kfserving are not supported yet)'),
  flag('transport', 'string', 'rest', 'rest or grpc; only validated, both servers always run (as in Seldon)'),
  flag('file', 'string', '', 'load the graph from a SeldonDeployment or PredictorSpec file (.yaml, .yml or .json) instead of $ENGINE_PREDICTOR'),
  flag('hostname', 'string', '', 'host in the server URL http://<hostname>:<http_port>/ (the CloudEvents source)', {
    shownDefault: '$POD_NAME, else "localhost"',
  }),
  flag('logger_workers', 'int', '10', 'number of request-logger workers', { range: 'positive' }),
  flag('log_work_buffer_size', 'int', '10000', 'request-logger queue capacity', { range: 'nonNegative' }),
  flag('log_write_timeout_ms', 'int', '2000', 'how long to wait for room in a full request-logger queue before dropping the log, in ms'),
  flag('prometheus_path', 'string', '/metrics', 'path of the Prometheus metrics endpoint (must start with /)'),
  flag('kafka_broker', 'string', '', KAFKA_ONLY),
  flag('kafka_input_topic', 'string', '', KAFKA_ONLY),
  flag('kafka_output_topic', 'string', '', KAFKA_ONLY),
  flag('kafka_full_graph', 'bool', 'false', KAFKA_ONLY),
  flag('kafka_workers', 'int', '4', KAFKA_ONLY),
  flag('kafka_auto_commit', 'bool', 'true', KAFKA_ONLY),
  flag('log_kafka_broker', 'string', '', 'send request logs to this Kafka broker (not supported by infergraph: must stay empty)'),
  flag('log_kafka_topic', 'string', '', 'Kafka topic of request logs (accepted for compatibility; no effect)'),
  flag('full_health_checks', 'bool', 'false', 'readiness calls the children\'s health endpoints instead of TCP connects'),
  flag('debug', 'bool', 'false', 'accepted for compatibility; logs stay JSON (see --log_level)', { shownDefault: '$SELDON_DEBUG, else false' }),
  flag('log_level', 'string', 'INFO', 'DEBUG, INFO, WARNING (or WARN), ERROR or FATAL; case-insensitive', {
    shownDefault: '$SELDON_LOG_LEVEL, else INFO',
  }),
];

/** Default buckets of infergraph's own histograms: finer than Seldon's, as the engine's overhead is sub-millisecond. */
export const DEFAULT_METRICS_BUCKETS = '0.0001,0.00025,0.0005,0.001,0.0025,0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5,10';

/** infergraph's own flags: limits Seldon hard-coded, and local conveniences. */
export const INFERGRAPH_FLAGS: readonly FlagSpec[] = [
  flag('demo', 'bool', 'false', 'serve the built-in demo graph (AVERAGE_COMBINER over two SIMPLE_MODELs; no model servers needed)'),
  flag('annotations_file', 'string', '/etc/podinfo/annotations', 'pod annotations file (downward API); a missing file means no annotations'),
  flag('max_body_bytes', 'int', '67108864', 'largest REST request body accepted, in bytes (413 above it)', { range: 'positive' }),
  flag('default_rest_timeout', 'duration', '300s', 'ceiling of each child call when the seldon.io/rest-timeout annotation is not set', { range: 'positive' }),
  flag('headers_timeout', 'duration', '10s', 'time allowed for a client to send the request headers', { range: 'positive' }),
  flag('request_timeout', 'duration', '300s', 'time allowed for a client to send a whole request', { range: 'positive' }),
  flag('keepalive_timeout', 'duration', '65s', 'idle time before a keep-alive client connection is closed', { range: 'positive' }),
  flag('readiness_timeout', 'duration', '1s', 'timeout of each readiness check of a child (TCP connect or health GET)', { range: 'positive' }),
  flag('workers', 'string', '1', 'engine processes sharing the ports (node:cluster): a number, or auto for one per available core'),
  flag('metrics_buckets', 'string', DEFAULT_METRICS_BUCKETS, 'buckets (seconds, comma-separated, increasing) of the per-node latency and engine-overhead histograms'),
];

/** Every accepted flag. */
export const FLAGS: readonly FlagSpec[] = [...SELDON_FLAGS, ...INFERGRAPH_FLAGS];

/** Environment variables read at startup, for --help. */
export const ENV_VARS: readonly (readonly [name: string, meaning: string])[] = [
  ['ENGINE_PREDICTOR', 'base64 of the PredictorSpec JSON: the graph, when neither --demo nor --file is given'],
  ['POD_NAME', 'default of --hostname'],
  ['POD_NAMESPACE', 'default of --namespace'],
  ['SELDON_DEBUG', 'default of --debug (true/false)'],
  ['SELDON_LOG_LEVEL', 'default of --log_level'],
  ['REQUEST_LOGGER_DEFAULT_ENDPOINT', 'request-logger URL of nodes without logger.url (default http://default-broker)'],
  ['SELDON_ENABLE_ROUTING_INJECTION', 'add meta.routing to responses: any non-empty value except false, 0, no, off'],
  ['CORS_ALLOWED_ORIGINS', 'Access-Control-Allow-Origin (default *)'],
  ['CORS_ALLOWED_HEADERS', `Access-Control-Allow-Headers (default ${DEFAULT_CORS_ALLOWED_HEADERS})`],
  ['SELDON_CERT_MOUNT_PATH', 'directory holding the TLS certificate and key; when set, both listeners use TLS'],
  ['SELDON_CERT_FILE_NAME', 'certificate file name in that directory (default tls.crt)'],
  ['SELDON_CERT_KEY_FILE_NAME', 'key file name in that directory (default tls.key)'],
  ['JAEGER_TRACE_PROPAGATION_TYPE', 'tracing: b3 for Zipkin B3 trace headers (x-b3-*); anything else: Jaeger uber-trace-id (W3C traceparent is always propagated too)'],
  ['OTEL_EXPORTER_OTLP_ENDPOINT', 'tracing: OTLP/HTTP base URL (e.g. http://jaeger-collector:4318); spans go to <url>/v1/traces. Unset (and OTEL_EXPORTER_OTLP_TRACES_ENDPOINT unset): tracing off'],
  ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'tracing: full OTLP/HTTP traces URL; wins over OTEL_EXPORTER_OTLP_ENDPOINT'],
  ['OTEL_EXPORTER_OTLP_PROTOCOL', 'tracing: http/protobuf (default) or http/json; grpc is refused'],
  ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'tracing: same, for traces only (wins)'],
  ['OTEL_EXPORTER_OTLP_HEADERS', 'tracing: headers of export requests, key=value,... (percent-encoded values)'],
  ['OTEL_EXPORTER_OTLP_TRACES_HEADERS', 'tracing: same, for traces only (merged, wins per key)'],
  ['OTEL_EXPORTER_OTLP_TIMEOUT', 'tracing: timeout of one export request, ms (default 10000)'],
  ['OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', 'tracing: same, for traces only (wins)'],
  ['OTEL_EXPORTER_OTLP_COMPRESSION', 'tracing: gzip or none (default none)'],
  ['OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', 'tracing: same, for traces only (wins)'],
  ['OTEL_SDK_DISABLED', 'tracing: true turns tracing off whatever else is set'],
  ['OTEL_TRACES_EXPORTER', 'tracing: otlp (default) or none (off); other exporters are refused'],
  ['OTEL_SERVICE_NAME', 'tracing: service.name of the spans (default: service.name of OTEL_RESOURCE_ATTRIBUTES, else JAEGER_SERVICE_NAME, else executor)'],
  ['JAEGER_SERVICE_NAME', 'tracing: service name when OTEL_SERVICE_NAME is unset (Seldon\'s variable)'],
  ['OTEL_RESOURCE_ATTRIBUTES', 'tracing: extra resource attributes, key=value,...'],
  ['OTEL_TRACES_SAMPLER', 'tracing: always_on, always_off, traceidratio, parentbased_always_on (default), parentbased_always_off, parentbased_traceidratio'],
  ['OTEL_TRACES_SAMPLER_ARG', 'tracing: the ratio of the traceidratio samplers, 0..1 (default 1)'],
  ['OTEL_BSP_SCHEDULE_DELAY', 'tracing: delay between two exports of finished spans, ms (default 5000)'],
  ['OTEL_BSP_EXPORT_TIMEOUT', 'tracing: time allowed for one export, ms (default 30000)'],
  ['OTEL_BSP_MAX_QUEUE_SIZE', 'tracing: finished spans kept waiting for export; more are dropped (default 2048)'],
  ['OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 'tracing: spans per export request (default 512)'],
  ['LOGGER_KAFKA_BROKER', 'Kafka request logging: not supported by infergraph, must be empty'],
];

function describeFlag(spec: FlagSpec): string {
  const type = spec.kind === 'bool' ? '' : ` ${spec.kind}`;
  let dflt = '';
  if (spec.shownDefault !== undefined) dflt = ` (default: ${spec.shownDefault})`;
  else if (spec.default !== '') dflt = spec.kind === 'string' ? ` (default "${spec.default}")` : ` (default ${spec.default})`;
  return `  --${spec.name}${type}\n        ${spec.help}${dflt}`;
}

/** The `--help` text: every flag with its type, meaning and default, then the environment variables. */
export function helpText(): string {
  return [
    'Usage: infergraph [flags]',
    '       infergraph bench --file <graph> [options]   (load against a graph; infergraph bench --help)',
    '',
    'infergraph serves a Seldon Core v1 inference graph: a drop-in replacement for Seldon\'s executor.',
    'The graph comes from --demo, else --file, else $ENGINE_PREDICTOR.',
    'Flags are written -flag, --flag, --flag=value or --flag value; booleans are --flag or --flag=false.',
    '',
    'Seldon executor flags (same names and defaults):',
    ...SELDON_FLAGS.map(describeFlag),
    '',
    'infergraph flags:',
    ...INFERGRAPH_FLAGS.map(describeFlag),
    '',
    'Environment variables:',
    ...ENV_VARS.map(([name, meaning]) => `  ${name}\n        ${meaning}`),
    '',
  ].join('\n');
}

export type FlagValue = string | number | boolean;

/** The flags after parsing: every flag has a value (its default when not given). */
export class ParsedFlags {
  constructor(
    private readonly values: ReadonlyMap<string, FlagValue>,
    private readonly explicit: ReadonlySet<string>,
  ) {}

  /** Whether the flag was on the command line (env-derived defaults apply only when it was not). */
  isSet(name: string): boolean {
    return this.explicit.has(name);
  }

  string(name: string): string {
    return this.get(name, 'string') as string;
  }

  int(name: string): number {
    return this.get(name, 'number') as number;
  }

  /**
   * Duration flags are stored in milliseconds, at most MAX_TIMER_MS: Node's timers take no more
   * (a longer delay becomes 1 ms, with a warning), and ~24.8 days is forever for these settings.
   */
  durationMs(name: string): number {
    return Math.min(this.get(name, 'number') as number, MAX_TIMER_MS);
  }

  bool(name: string): boolean {
    return this.get(name, 'boolean') as boolean;
  }

  private get(name: string, type: 'string' | 'number' | 'boolean'): FlagValue {
    const value = this.values.get(name);
    // A mismatch is a bug in load.ts, not bad input, hence a plain Error.
    if (typeof value !== type) throw new Error(`flag --${name} is not a ${type} flag`);
    return value as FlagValue;
  }
}

/** The longest delay a Node timer accepts (2^31 - 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool; undefined when the text is not one of its spellings. */
export function parseGoBool(text: string): boolean | undefined {
  if (GO_TRUE.has(text)) return true;
  if (GO_FALSE.has(text)) return false;
  return undefined;
}

const RANGE_TEXT: Readonly<Record<FlagRange, string>> = { port: 'in 0..65535', positive: '> 0', nonNegative: '>= 0' };

function inRange(value: number, range: FlagRange | undefined): boolean {
  if (range === 'port') return value >= 0 && value <= 65535;
  if (range === 'positive') return value > 0;
  if (range === 'nonNegative') return value >= 0;
  return true;
}

/** Converts one command-line (or default) value to the flag's type, with the range check. */
function convert(spec: FlagSpec, raw: string): FlagValue {
  const subject = `flag --${spec.name}`;
  const rangeText = spec.range === undefined ? '' : ` ${RANGE_TEXT[spec.range]}`;
  switch (spec.kind) {
    case 'string':
      return raw;
    case 'bool': {
      const value = parseGoBool(raw);
      if (value === undefined) throw ConfigError.invalid(subject, raw, 'not a boolean (true/false, t/f, 1/0)');
      return value;
    }
    case 'int': {
      // Decimal only: Go also takes 0x/0o/0b prefixes, which nobody passes for ports and sizes.
      const value = /^[+-]?[0-9]+$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(value) || !inRange(value, spec.range)) throw ConfigError.invalid(subject, raw, `not an integer${rangeText}`);
      return value;
    }
    case 'duration': {
      let ms: number;
      try {
        ms = parseDuration(raw);
      } catch (err) {
        if (err instanceof DurationSyntaxError) throw ConfigError.invalid(subject, raw, `${err.message} (write e.g. 15s, 500ms, 1m30s)`);
        throw err;
      }
      if (!inRange(ms, spec.range)) throw ConfigError.invalid(subject, raw, `must be a duration${rangeText}`);
      return ms;
    }
  }
}

/**
 * Parses argv with Go `flag` semantics: `-x`, `--x`, `--x=v`, `--x v`; a bool takes `--x` or `--x=v` and
 * never consumes the next argument; the last occurrence wins; `--` ends the flags. Unknown flags and
 * positional arguments are errors. Returns 'help' when -h/-help/--help is met (as Go's ErrHelp).
 * Unlike Go, which stops at the first bad flag, every bad one is reported (a list in the
 * ConfigError, as for graph problems), so a pod spec with two typos needs one fix, not two restarts.
 */
export function parseFlags(argv: readonly string[]): ParsedFlags | 'help' {
  const specs = new Map(FLAGS.map((spec) => [spec.name, spec] as const));
  const explicit = new Map<string, FlagValue>();
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      const extra = argv[i + 1];
      if (extra !== undefined) problems.push(`unexpected argument ${JSON.stringify(extra)}: infergraph takes only flags (see --help)`);
      break;
    }
    if (arg.length < 2 || !arg.startsWith('-')) {
      problems.push(`unexpected argument ${JSON.stringify(arg)}: infergraph takes only flags (see --help)`);
      continue;
    }
    const body = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
    if (body === '' || body.startsWith('-') || body.startsWith('=')) {
      problems.push(`bad flag syntax: ${arg}`);
      continue;
    }
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    if (name === 'help' || name === 'h') {
      // A bad flag before it still fails, as in Go, whose parsing stops there.
      if (problems.length === 0) return 'help';
      break;
    }
    const spec = specs.get(name);
    if (spec === undefined) {
      problems.push(`unknown flag --${name} (see --help)`);
      // `--typo value`: the value is not reported again as an unexpected argument.
      if (eq < 0 && argv[i + 1] !== undefined && !(argv[i + 1] as string).startsWith('-')) i++;
      continue;
    }
    let raw: string;
    if (eq >= 0) raw = body.slice(eq + 1);
    else if (spec.kind === 'bool') raw = 'true';
    else {
      const next = argv[i + 1];
      if (next === undefined) {
        problems.push(`flag --${name} needs a value`);
        continue;
      }
      raw = next;
      i++;
    }
    try {
      explicit.set(name, convert(spec, raw));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(err.message);
    }
  }
  if (problems.length === 1) throw new ConfigError(problems[0] as string);
  if (problems.length > 1) throw new ConfigError(`${problems.length} problems:\n  - ${problems.join('\n  - ')}`);
  const values = new Map<string, FlagValue>();
  for (const spec of FLAGS) values.set(spec.name, explicit.get(spec.name) ?? convert(spec, spec.default));
  return new ParsedFlags(values, new Set(explicit.keys()));
}
