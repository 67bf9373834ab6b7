/**
 * prom-client's default process and Node.js metrics (`collectDefaultMetrics`), same names, help,
 * types and order, without loading prom-client's index (see ./client). Every metric but the CPU
 * counters comes from prom-client's own file; the CPU counters are written here because prom-client's
 * file loads `@opentelemetry/api` for exemplars, which the engine does not turn on.
 */
import type { Registry } from 'prom-client';
import { Counter } from './client';

/** What a file of prom-client/lib/metrics exports: registers its metrics on `registry`. */
type DefaultMetric = (registry: Registry, config: { readonly eventLoopMonitoringPrecision: number }) => void;

/**
 * The event-loop delay (`nodejs_eventloop_lag_*`) is sampled every 100 ms, not prom-client's 10:
 * each sample is a timer that wakes the process, and at 10 ms an idle engine woke 100 times a
 * second and spent 0.5-0.7 % of a core doing so on this project's VM (0.27 % at 100 ms, 60 s each). A
 * stall of 100 ms or more is still always seen; shorter ones are sampled.
 */
const CONFIG = { eventLoopMonitoringPrecision: 100 };

/** Registers the default metrics on `registry`, in prom-client's order (the CPU counters first). */
export function collectDefaultMetrics(registry: Registry): void {
  processCpuTotal(registry);
  for (const metric of defaultMetrics()) metric(registry, CONFIG);
}

/** prom-client's list after processCpuTotal (lib/defaultMetrics.js), loaded when first used. */
function defaultMetrics(): DefaultMetric[] {
  const load = (file: string): DefaultMetric => require(`prom-client/lib/metrics/${file}`) as DefaultMetric;
  return [
    load('processStartTime'),
    load('osMemoryHeap'),
    load('processOpenFileDescriptors'),
    load('processMaxFileDescriptors'),
    load('eventLoopLag'),
    // As prom-client: only where Node has process.getActiveResourcesInfo (all versions we run on).
    ...(typeof process.getActiveResourcesInfo === 'function' ? [load('processResources')] : []),
    load('processHandles'),
    load('processRequests'),
    load('heapSizeAndUsed'),
    load('heapSpacesSizeAndUsed'),
    load('version'),
    load('gc'),
  ];
}

/** prom-client's processCpuTotal without exemplars: three counters, all set by the first one's collect. */
function processCpuTotal(registry: Registry): void {
  const registers = [registry];
  let last = process.cpuUsage();
  const user = new Counter({
    name: 'process_cpu_user_seconds_total',
    help: 'Total user CPU time spent in seconds.',
    registers,
    collect() {
      const now = process.cpuUsage();
      const userMicros = now.user - last.user;
      const systemMicros = now.system - last.system;
      last = now;
      user.inc(userMicros / 1e6);
      system.inc(systemMicros / 1e6);
      total.inc((userMicros + systemMicros) / 1e6);
    },
  });
  const system = new Counter({ name: 'process_cpu_system_seconds_total', help: 'Total system CPU time spent in seconds.', registers });
  const total = new Counter({ name: 'process_cpu_seconds_total', help: 'Total user and system CPU time spent in seconds.', registers });
}
