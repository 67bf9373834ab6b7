import type { TracingConfig } from '../../config/schema';
import type { Logger } from '../logger';
import { TRACING_OFF, type Tracing } from './api';

export { ATTR, TRACING_OFF, type ServerSpan, type Tracing } from './api';

/**
 * Tracing per the config: TRACING_OFF when it is undefined. The OpenTelemetry SDK is loaded only when
 * tracing is on, so an engine without tracing does not pay its startup time and memory either.
 */
export function createTracing(config: TracingConfig | undefined, logger: Logger): Tracing {
  if (config === undefined) return TRACING_OFF;
  // A plain require, so the SDK modules load here and only here.
  const { createOtelTracing } = require('./otel') as typeof import('./otel');
  return createOtelTracing(config, logger);
}
