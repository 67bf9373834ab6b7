/**
 * The `tracing` section of the Config, from the standard OpenTelemetry variables (OTEL_*) plus
 * Seldon's JAEGER_SERVICE_NAME. Tracing is on when an OTLP endpoint is given, and not disabled by
 * OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none. Every value the SDK needs is parsed here and
 * passed to it explicitly; a bad value is a ConfigError naming the variable.
 */
import { ConfigError } from './flags';
import type { TraceSampler, TracingConfig } from './schema';

type Env = Readonly<Record<string, string | undefined>>;

/** Seldon's executor registered its tracer under this service name. */
export const DEFAULT_TRACING_SERVICE_NAME = 'executor';

const SAMPLERS: readonly TraceSampler[] = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'];

function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/** The traces-specific variable, else the general one (OTEL_EXPORTER_OTLP_TRACES_X, else OTEL_EXPORTER_OTLP_X). */
function otlp(env: Env, suffix: string): { name: string; value: string } | undefined {
  for (const name of [`OTEL_EXPORTER_OTLP_TRACES_${suffix}`, `OTEL_EXPORTER_OTLP_${suffix}`]) {
    const v = value(env, name);
    if (v !== undefined) return { name, value: v };
  }
  return undefined;
}

function checkUrl(name: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw ConfigError.invalid(`environment variable ${name}`, text, 'not a URL (expected e.g. http://jaeger-collector:4318)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw ConfigError.invalid(`environment variable ${name}`, text, 'must be an http:// or https:// URL');
  return url.href;
}

/** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is the URL itself; OTEL_EXPORTER_OTLP_ENDPOINT is a base to which v1/traces is added. */
function endpoint(env: Env): string | undefined {
  const traces = value(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  if (traces !== undefined) return checkUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces);
  const base = value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (base === undefined) return undefined;
  const href = checkUrl('OTEL_EXPORTER_OTLP_ENDPOINT', base);
  return `${href.endsWith('/') ? href : `${href}/`}v1/traces`;
}

/** `key1=value1,key2=value2`, values (and keys) percent-decoded, as in OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES. */
function keyValues(name: string, text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === undefined) return out;
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = eq === -1 ? '' : part.slice(0, eq).trim();
    if (key === '') throw ConfigError.invalid(`environment variable ${name}`, text, `entry ${JSON.stringify(part)} is not key=value`);
    try {
      out[decodeURIComponent(key)] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      throw ConfigError.invalid(`environment variable ${name}`, text, `entry ${JSON.stringify(part)} is not valid percent-encoding`);
    }
  }
  return out;
}

function integer(env: Env, name: string, dflt: number, min: number): number {
  const text = value(env, name);
  if (text === undefined) return dflt;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw ConfigError.invalid(`environment variable ${name}`, text, `expected an integer >= ${min}`);
  return n;
}

function protocol(env: Env): TracingConfig['protocol'] {
  const p = otlp(env, 'PROTOCOL');
  if (p === undefined) return 'http/protobuf';
  if (p.value === 'http/protobuf' || p.value === 'http/json') return p.value;
  if (p.value === 'grpc') {
    throw ConfigError.invalid(`environment variable ${p.name}`, p.value, 'infergraph exports OTLP over HTTP only: use http/protobuf or http/json and the collector\'s OTLP/HTTP port (4318)');
  }
  throw ConfigError.invalid(`environment variable ${p.name}`, p.value, 'must be http/protobuf or http/json');
}

function sampler(env: Env): { sampler: TraceSampler; ratio: number } {
  const text = value(env, 'OTEL_TRACES_SAMPLER')?.toLowerCase() ?? 'parentbased_always_on';
  const found = SAMPLERS.find((s) => s === text);
  if (found === undefined) throw ConfigError.invalid('environment variable OTEL_TRACES_SAMPLER', text, `must be one of ${SAMPLERS.join(', ')}`);
  const arg = value(env, 'OTEL_TRACES_SAMPLER_ARG');
  if (!found.endsWith('traceidratio') || arg === undefined) return { sampler: found, ratio: 1 };
  const ratio = Number(arg);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) throw ConfigError.invalid('environment variable OTEL_TRACES_SAMPLER_ARG', arg, 'expected a ratio in [0, 1]');
  return { sampler: found, ratio };
}

/** The tracing section, or undefined when tracing is off (no endpoint, or disabled). */
export function resolveTracing(env: Env, propagation: 'jaeger' | 'b3'): TracingConfig | undefined {
  if (value(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return undefined;
  const exporters = (value(env, 'OTEL_TRACES_EXPORTER') ?? 'otlp').split(',').map((e) => e.trim().toLowerCase());
  if (exporters.includes('none')) return undefined;
  const unsupported = exporters.filter((e) => e !== 'otlp' && e !== '');
  if (unsupported.length > 0) {
    throw ConfigError.invalid('environment variable OTEL_TRACES_EXPORTER', value(env, 'OTEL_TRACES_EXPORTER') ?? '', 'infergraph exports traces over OTLP only: use otlp or none');
  }
  const url = endpoint(env);
  if (url === undefined) return undefined;

  const compression = otlp(env, 'COMPRESSION');
  if (compression !== undefined && compression.value !== 'gzip' && compression.value !== 'none') {
    throw ConfigError.invalid(`environment variable ${compression.name}`, compression.value, 'must be gzip or none');
  }
  const timeout = otlp(env, 'TIMEOUT');
  const timeoutMs = timeout === undefined ? 10_000 : integer(env, timeout.name, 10_000, 1);

  const resourceAttributes = keyValues('OTEL_RESOURCE_ATTRIBUTES', value(env, 'OTEL_RESOURCE_ATTRIBUTES'));
  const serviceName = value(env, 'OTEL_SERVICE_NAME') ?? resourceAttributes['service.name'] ?? value(env, 'JAEGER_SERVICE_NAME') ?? DEFAULT_TRACING_SERVICE_NAME;
  const { sampler: samplerName, ratio } = sampler(env);
  const maxQueueSize = integer(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048, 1);
  return {
    endpoint: url,
    protocol: protocol(env),
    headers: {
      ...keyValues('OTEL_EXPORTER_OTLP_HEADERS', value(env, 'OTEL_EXPORTER_OTLP_HEADERS')),
      ...keyValues('OTEL_EXPORTER_OTLP_TRACES_HEADERS', value(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS')),
    },
    timeoutMs,
    compression: compression?.value === 'gzip' ? 'gzip' : 'none',
    serviceName,
    resourceAttributes,
    sampler: samplerName,
    samplerRatio: ratio,
    propagation,
    scheduleDelayMs: integer(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000, 0),
    exportTimeoutMs: integer(env, 'OTEL_BSP_EXPORT_TIMEOUT', 30_000, 1),
    maxQueueSize,
    // The SDK requires batch <= queue (it would lower it itself, with a warning).
    maxExportBatchSize: Math.min(integer(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, 1), maxQueueSize),
  };
}
