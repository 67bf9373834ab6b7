import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { TracingConfig } from '../../config/schema';
import type { Logger } from '../logger';

/** Export failures are logged at most this often (a down collector must not flood the log). */
const FAILURE_LOG_INTERVAL_MS = 60_000;

/** The OTLP/HTTP exporter of the configured encoding, every setting passed explicitly. */
export function createExporter(config: TracingConfig, logger: Logger): SpanExporter {
  const options = {
    url: config.endpoint,
    headers: { ...config.headers },
    timeoutMillis: config.timeoutMs,
    compression: config.compression === 'gzip' ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
  };
  const exporter = config.protocol === 'http/json' ? new JsonTraceExporter(options) : new ProtobufTraceExporter(options);
  return new LoggingExporter(exporter, logger, config.endpoint);
}

/** Passes spans on, and logs failed exports (the SDK reports them nowhere by default). */
class LoggingExporter implements SpanExporter {
  readonly #inner: SpanExporter;
  readonly #logger: Logger;
  readonly #endpoint: string;
  #lastLog = -Infinity;
  #failedSinceLog = 0;

  constructor(inner: SpanExporter, logger: Logger, endpoint: string) {
    this.#inner = inner;
    this.#logger = logger;
    this.#endpoint = endpoint;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.#inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) this.#failed(spans.length, result.error);
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush?.() ?? Promise.resolve();
  }

  #failed(count: number, error: Error | undefined): void {
    this.#failedSinceLog += count;
    const now = performance.now();
    if (now - this.#lastLog < FAILURE_LOG_INTERVAL_MS) return;
    this.#logger.warn('trace export failed (spans dropped)', { endpoint: this.#endpoint, spans: this.#failedSinceLog, error: error?.message ?? 'unknown' });
    this.#lastLog = now;
    this.#failedSinceLog = 0;
  }
}
