/**
 * The engine's configuration: every flag of Seldon's executor (with its defaults), the environment
 * variables it reads, the pod annotations it honours, and infergraph's own limits. `loadConfig` builds
 * one of these once at startup and deep-freezes it; nothing else reads argv, env or files.
 */

export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'FATAL';

/** Where the graph came from, for logs and error messages. */
export type GraphSource = 'ENGINE_PREDICTOR' | '--file' | '--demo';

export interface TlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface Annotations {
  /** `seldon.io/rest-timeout` in ms; undefined when the annotation is absent or <= 0 (then the default ceiling applies). */
  readonly restTimeoutMs: number | undefined;
  /** `seldon.io/grpc-timeout` in ms; undefined when absent or <= 0. */
  readonly grpcTimeoutMs: number | undefined;
  /** `seldon.io/grpc-max-message-size` in bytes (default 2147483647, Seldon's). */
  readonly grpcMaxMessageSize: number;
  /** Every annotation read from the file, for reference (the keys above are already parsed). */
  readonly all: Readonly<Record<string, string>>;
}

export interface Config {
  // ---- flags of Seldon's executor (section 1.3 of the reference) ----
  readonly serverType: 'rpc';
  readonly kubeconfig: string;
  readonly sdep: string;
  readonly namespace: string;
  readonly predictor: string;
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly gracefulTimeoutMs: number;
  readonly shutdownDelayMs: number;
  readonly protocol: 'seldon';
  readonly transport: 'rest' | 'grpc';
  readonly file: string;
  readonly hostname: string;
  readonly loggerWorkers: number;
  readonly logWorkBufferSize: number;
  readonly logWriteTimeoutMs: number;
  readonly prometheusPath: string;
  readonly fullHealthChecks: boolean;
  readonly debug: boolean;
  readonly logLevel: LogLevel;

  // ---- infergraph's own flags ----
  /** Serve the built-in demo graph (no model servers needed). */
  readonly demo: boolean;
  /** Path of the pod annotations file (`/etc/podinfo/annotations`). */
  readonly annotationsFile: string;
  /** Largest request body accepted over REST, in bytes (413 above it). */
  readonly maxBodyBytes: number;
  /** Per-child-call ceiling when `seldon.io/rest-timeout` is not set, in ms. */
  readonly defaultRestTimeoutMs: number;
  /** Time allowed for the client to send the request headers, in ms (408 / close after). */
  readonly headersTimeoutMs: number;
  /** Time allowed for the client to send the whole request, in ms (408 after). */
  readonly requestTimeoutMs: number;
  /** Idle keep-alive time of downstream connections, in ms (Seldon: 65 s). */
  readonly keepAliveTimeoutMs: number;
  /** Timeout of each TCP or HTTP readiness check of a child, in ms. */
  readonly readinessCheckTimeoutMs: number;
  /** Buckets (seconds) of the per-node latency and engine-overhead histograms. */
  readonly metricsBuckets: readonly number[];
  /** Engine processes sharing the listening ports (`--workers`); 1 runs in this process alone. */
  readonly workers: number;

  // ---- environment (section 1.5) ----
  /** `REQUEST_LOGGER_DEFAULT_ENDPOINT` (default `http://default-broker`). */
  readonly requestLoggerDefaultEndpoint: string;
  /** `SELDON_ENABLE_ROUTING_INJECTION` is set to a true-ish value. */
  readonly routingInjection: boolean;
  /** `CORS_ALLOWED_ORIGINS`, default `*`. */
  readonly corsAllowedOrigins: string;
  /** `CORS_ALLOWED_HEADERS`, default Seldon's list. */
  readonly corsAllowedHeaders: string;
  /** From `SELDON_CERT_MOUNT_PATH` / `SELDON_CERT_FILE_NAME` / `SELDON_CERT_KEY_FILE_NAME`; undefined: plain HTTP. */
  readonly tls: TlsConfig | undefined;
  /** `JAEGER_TRACE_PROPAGATION_TYPE`: `b3` or `jaeger`. */
  readonly tracePropagation: 'jaeger' | 'b3';
  /** OpenTelemetry tracing from the `OTEL_*` variables (config/tracing.ts); undefined: tracing off. */
  readonly tracing: TracingConfig | undefined;
  /** `http://<hostname>:<http_port>/`: the CloudEvents source. */
  readonly serverUrl: string;

  // ---- annotations (section 1.6) ----
  readonly annotations: Annotations;

  // ---- the graph ----
  /** The PredictorSpec as parsed JSON (validated later by graph/parse). */
  readonly predictorSpec: unknown;
  readonly graphSource: GraphSource;
}

export type TraceSampler = 'always_on' | 'always_off' | 'traceidratio' | 'parentbased_always_on' | 'parentbased_always_off' | 'parentbased_traceidratio';

/** Tracing, when on: where and how spans are exported, and how trace context is propagated. */
export interface TracingConfig {
  /** The full OTLP/HTTP traces URL (`…/v1/traces`). */
  readonly endpoint: string;
  readonly protocol: 'http/protobuf' | 'http/json';
  /** Headers of each export request (`OTEL_EXPORTER_OTLP_[TRACES_]HEADERS`). */
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly compression: 'gzip' | 'none';
  readonly serviceName: string;
  /** `OTEL_RESOURCE_ATTRIBUTES`. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly sampler: TraceSampler;
  /** Ratio of the traceidratio samplers, in [0, 1]. */
  readonly samplerRatio: number;
  /** Besides W3C trace context (always): Jaeger `uber-trace-id` or B3 `x-b3-*` headers. */
  readonly propagation: 'jaeger' | 'b3';
  /** Batch span processor (`OTEL_BSP_*`). */
  readonly scheduleDelayMs: number;
  readonly exportTimeoutMs: number;
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
}

export const DEFAULT_CORS_ALLOWED_HEADERS = 'Accept, Accept-Encoding, Authorization, Content-Length, Content-Type, X-CSRF-Token';
export const DEFAULT_GRPC_MAX_MESSAGE_SIZE = 2147483647;
