#!/usr/bin/env node
/**
 * Composition root: load config, parse the graph, build telemetry, units, the service and the REST
 * server, and wire the signals. The only file that reads process.argv / process.env or exits.
 */
// First: V8 memory settings that must be in place before the other modules load (see the module).
import './lifecycle/memory';
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import type { benchCommand as BenchCommand } from './bench';
import { availableParallelism } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ConfigError, loadConfig, type Config } from './config';
import { compilePlan, composeObservers, GraphError, parsePredictorSpec, type NodeSpec, type PredictorSpec } from './graph';
import { clusterMetricsRenderer, runPrimary } from './lifecycle/cluster';
import { gracefulShutdown } from './lifecycle/shutdown';
import { PredictionService } from './service/prediction-service';
import { createLogger } from './telemetry/logger';
import { PayloadLogger } from './telemetry/payload-log';
import { payloadLogObserver } from './telemetry/payload-log-observer';
import { EngineMetrics, imageLabels } from './telemetry/metrics';
import { createTracing } from './telemetry/tracing';
import { seldonProtocolOnDemand } from './protocols/seldon';
import { addReflection } from './transports/grpc/reflection';
import { createGrpcServer, listenGrpc } from './transports/grpc/server';
import { createRestServer } from './transports/http/server';
import { createRemoteGrpcUnit, createRemoteRestUnit, registerBuiltins, UnitRegistry } from './units';
import { instrumentUnit } from './units/instrument';
import { GrpcUpstream } from './upstream/grpc';
import { HttpUpstream } from './upstream/http';

/**
 * `infergraph bench` only, so loaded on demand: the bench code pulls in autocannon and its own gRPC
 * driver, which a serving engine would otherwise carry (measured: idle VmRSS 93 -> 82 MB, bench G1).
 */
const benchCommand: typeof BenchCommand = (argv, io) => (require('./bench') as typeof import('./bench')).benchCommand(argv, io);

/** Connect timeout of child calls (Envoy's default; Seldon used Go's 30 s). */
const CHILD_CONNECT_TIMEOUT_MS = 5_000;
/** Largest child answer read into memory: V8's string limit, so a JSON answer can still be parsed. */
const MAX_CHILD_RESPONSE_BYTES = 512 * 1024 * 1024;
/** gRPC connections per child: Seldon's executor keeps a pool of 10 per host:port. */
const GRPC_CHANNELS_PER_CHILD = 10;
/** The `method` label of the per-node step metric, by unit step (a MODEL's transformInput is its predict). */
const STEP_NAMES = { transformInput: 'predict', route: 'route', aggregate: 'aggregate', transformOutput: 'transform-output', sendFeedback: 'send-feedback' } as const;
/** The proto files, beside dist/ in the repository and in the image. */
const PROTO_DIR = join(__dirname, '..', '..', 'protos');

function main(): void {
  const config = loadOrExit();
  const logger = createLogger(config.logLevel);
  const builtins = registerBuiltins(new UnitRegistry());
  const spec = parseOrExit(config, builtins);
  if (config.workers > 1 && cluster.isPrimary) {
    // The graph is validated above, once, before any worker starts.
    runPrimary(config.workers, logger, (code) => process.exit(code));
    return;
  }

  const metrics = new EngineMetrics({ deploymentName: config.sdep, predictorName: spec.name || config.predictor, predictorVersion: spec.version }, config.metricsBuckets);
  const clusterRender = clusterMetricsRenderer(metrics.registry);
  if (clusterRender !== undefined) metrics.renderWith(clusterRender);
  const codec = seldonProtocolOnDemand(PROTO_DIR);
  const http = new HttpUpstream({ connectTimeoutMs: CHILD_CONNECT_TIMEOUT_MS, maxResponseBytes: MAX_CHILD_RESPONSE_BYTES });
  const grpc = new GrpcUpstream({ maxMessageBytes: config.annotations.grpcMaxMessageSize, channelsPerTarget: GRPC_CHANNELS_PER_CHILD });
  const restTimeoutMs = config.annotations.restTimeoutMs ?? config.defaultRestTimeoutMs;
  const grpcTimeoutMs = config.annotations.grpcTimeoutMs ?? config.defaultRestTimeoutMs;
  const payloadLogger = new PayloadLogger({
    workers: config.loggerWorkers,
    maxQueueEntries: config.logWorkBufferSize,
    enqueueWaitMs: config.logWriteTimeoutMs,
    source: config.serverUrl,
    inferenceServiceName: config.sdep,
    namespace: config.namespace,
    endpoint: config.predictor,
    protocol: config.protocol,
    registry: metrics.registry,
    logger,
  });
  const tracing = createTracing(config.tracing, logger);
  const plan = compilePlan(spec, {
    builtin: (node) => {
      const unit = builtins.get(node.implementation)?.create(node, { random: Math.random });
      return unit === undefined ? undefined : instrumentUnit(unit, STEP_NAMES, false, metrics.nodeStepObserver(node.name));
    },
    // The child's own endpoint.type picks the transport, whatever transport the caller used.
    remote: (node, steps) => {
      const observe = metrics.nodeObserver(modelLabels(node, spec));
      const unit = node.endpoint?.type === 'GRPC'
        ? createRemoteGrpcUnit(node, steps, { grpc, codec, timeoutMs: grpcTimeoutMs, readyTimeoutMs: config.readinessCheckTimeoutMs, observe: (m, code, s) => observe(m, 'unary', code, s) })
        : createRemoteRestUnit(node, steps, { http, timeoutMs: restTimeoutMs, observe });
      const names = steps.has('predict') ? STEP_NAMES : { ...STEP_NAMES, transformInput: 'transform-input' };
      return instrumentUnit(unit, names, true, metrics.nodeStepObserver(node.name));
    },
    observer: (node) => composeObservers([tracing.nodeObserver(node, builtins.get(node.implementation) !== undefined), payloadLogObserver(node, payloadLogger, config.requestLoggerDefaultEndpoint)].filter(isDefined)),
  });
  const service = new PredictionService(plan, {
    routingInjection: config.routingInjection,
    readiness: { full: config.fullHealthChecks, timeoutMs: config.readinessCheckTimeoutMs },
  });
  const server = createRestServer({ config, service, metrics, logger, tracing });
  const grpcServer = createGrpcServer({ config, service, metrics, logger, codec, tracing });
  addReflection(grpcServer, PROTO_DIR);

  process.on('uncaughtException', (err) => logger.error('uncaught exception (engine keeps serving)', { error: err.stack ?? String(err) }));
  process.on('unhandledRejection', (err) => logger.error('unhandled rejection (engine keeps serving)', { error: err instanceof Error ? err.stack : String(err) }));

  server.once('error', (err) => {
    logger.error('REST server failed to start', { port: config.httpPort, error: err.message });
    process.exit(1);
  });
  // gRPC first: once the REST line is logged, both servers take requests.
  listenGrpc(grpcServer, config).then((grpcPort) => {
    logger.info('gRPC server listening', { grpc_port: grpcPort });
    server.listen(config.httpPort, () => {
      const { port } = server.address() as AddressInfo;
      if (config.httpPort === 0) payloadLogger.setSource(`http://${config.hostname}:${port}/`);
      logger.info('REST server listening', { port, grpc_port: grpcPort, graph: config.graphSource, predictor: spec.name, nodes: plan.nodes.size });
    });
  }, (err: Error) => {
    logger.error('gRPC server failed to start', { port: config.grpcPort, error: err.message });
    process.exit(1);
  });

  const shutdown = gracefulShutdown({
    server,
    grpcServer,
    startDraining: () => service.startDraining(),
    closeUpstreams: async () => {
      // Payload logs still queued get what is left of the grace period (the deadline exits 1 anyway).
      const left = shutdownStartedAt + config.shutdownDelayMs + config.gracefulTimeoutMs - Date.now() - 100;
      await payloadLogger.flush(left);
      await payloadLogger.close();
      grpc.close();
      await http.close();
      await tracing.close();
    },
    shutdownDelayMs: config.shutdownDelayMs,
    gracefulTimeoutMs: config.gracefulTimeoutMs,
    logger,
    exit: (code) => process.exit(code),
  });
  let shutdownStartedAt = 0;
  // `on`, not `once`: a second signal during the drain must not fall to Node's default (exit at
  // once, cutting requests in flight); --graceful_timeout bounds the drain, as in Seldon.
  const onSignal = (signal: string): void => {
    if (shutdownStartedAt !== 0) {
      logger.info('already shutting down; signal ignored', { signal });
      return;
    }
    shutdownStartedAt = Date.now();
    shutdown(signal);
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

function loadOrExit(): Config {
  try {
    const result = loadConfig({ argv: process.argv.slice(2), env: process.env, readFile: (path) => readFileSync(path, 'utf8'), cores: availableParallelism() });
    if (result.kind === 'help') {
      process.stdout.write(result.text);
      process.exit(0);
    }
    const logger = createLogger(result.config.logLevel);
    for (const warning of result.warnings) logger.warn(warning);
    return result.config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`infergraph: ${err.message}\n`);
    process.exit(1);
  }
}

function parseOrExit(config: Config, builtins: UnitRegistry): PredictorSpec {
  try {
    const spec = parsePredictorSpec(config.predictorSpec, {
      isBuiltin: (name) => builtins.get(name) !== undefined,
      checkBuiltin: (node) => builtins.get(node.implementation)?.check(node),
    });
    return spec;
  } catch (err) {
    if (!(err instanceof GraphError)) throw err;
    process.stderr.write(`infergraph: ${err.message}\n`);
    process.exit(1);
  }
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}

/** model_name / model_image / model_version of a node's client metrics (section 7). */
function modelLabels(node: NodeSpec, spec: PredictorSpec): { modelName: string; modelImage: string; modelVersion: string } {
  const container = spec.containers.find((c) => c.name === node.name);
  const { image, version } = imageLabels(container?.image ?? '');
  return { modelName: node.name, modelImage: image, modelVersion: version };
}

// `infergraph bench ...` runs load against a graph instead of serving it.
if (process.argv[2] === 'bench') {
  void benchCommand(process.argv.slice(3), { stdout: process.stdout, stderr: process.stderr }).then((code) => process.exit(code));
} else {
  try {
    main();
  } catch (err) {
    // Start-up failures the checks above did not foresee: one line naming the problem, then where.
    // The stack without its first line, which repeats the message.
    const where = err instanceof Error ? (err.stack ?? '').split('\n').slice(1).join('\n') : '';
    process.stderr.write(`infergraph: failed to start: ${err instanceof Error ? err.message : String(err)}\n${where}\n`);
    process.exit(1);
  }
}
