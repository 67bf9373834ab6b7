/**
 * The parts of prom-client the engine uses, each loaded from its own file instead of prom-client's
 * index. The index also loads its Pushgateway (node:https, zlib), its Summary (tdigest) and, through
 * its default metrics, `@opentelemetry/api` (for CPU exemplars), none of which the engine runs.
 * Together with not loading grpc-js (transports/grpc/h2-server.ts), this took the idle engine from
 * 60.2 to 57.6 MB of RSS on Node 20 and from 76.1 to 72.4 MB on Node 24 (`--demo`, 3 s after start).
 * prom-client is pinned to an exact version in package.json because these paths are its internal
 * layout; test/unit/telemetry/prom-client.test.ts checks them against the index, and
 * test/integration/footprint.test.ts that the engine loads none of the above.
 */
import type * as PromClient from 'prom-client';

// The casts give each file the type prom-client's index declares for the same export.
export const Registry = require('prom-client/lib/registry') as typeof PromClient.Registry;
export type Registry = PromClient.Registry;
export const globalRegistry = (require('prom-client/lib/registry') as { globalRegistry: PromClient.Registry }).globalRegistry;
export const Counter = require('prom-client/lib/counter') as typeof PromClient.Counter;
export const Gauge = require('prom-client/lib/gauge') as typeof PromClient.Gauge;
export const Histogram = require('prom-client/lib/histogram') as typeof PromClient.Histogram;
export type Histogram = PromClient.Histogram;
export const AggregatorRegistry = require('prom-client/lib/cluster') as typeof PromClient.AggregatorRegistry;
