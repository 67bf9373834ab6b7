import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Config } from '../../config/schema';
import { blameChild, engineError, EngineError, toEngineError } from '../../errors';
import { Cancel } from '../../graph/cancel';
import type { CallContext } from '../../graph/unit';
import { WaitClock } from '../../graph/wait-clock';
import { Payload } from '../../message/payload';
import type { PredictionService } from '../../service/prediction-service';
import type { EngineMetrics } from '../../telemetry/metrics';
import type { Logger } from '../../telemetry/logger';
import type { ServerSpan, Tracing } from '../../telemetry/tracing';
import { forwardHeaders } from '../../upstream/headers';
import { readBody } from './body';
import { clientErrorHandler, refuseConnect } from './client-error';
import { sendError, sendPayload } from './respond';
import { RouteTable, type RouteMatch } from './routes';

export interface HttpServerDeps {
  readonly config: Config;
  readonly service: PredictionService;
  readonly metrics: EngineMetrics;
  readonly logger: Logger;
  /** Server span per request (absent or off: none). */
  readonly tracing?: Tracing;
}

/**
 * The REST server of the seldon protocol. Each request: match the route, set Seldon's headers
 * (puid, nosniff, CORS, CloudEvents), read the body within the limit, run the service, answer.
 * Nothing a client sends can throw out of the handler.
 */
export function createRestServer(deps: HttpServerDeps): Server {
  const { config } = deps;
  const routes = new RouteTable(config.prometheusPath);
  const options: ServerOptions = {
    requestTimeout: config.requestTimeoutMs,
    headersTimeout: Math.min(config.headersTimeoutMs, config.requestTimeoutMs),
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // Node checks the two timeouts above only this often (30 s by default, reliability.md 3.3).
    connectionsCheckingInterval: 1000,
    // Node's own answer to an HTTP/1.1 request without Host is a bare 400; handle() gives the JSON one.
    requireHostHeader: false,
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      handle(req, res, routes, deps)?.catch((err: unknown) => unexpectedFailure(res, deps, err));
    } catch (err) {
      unexpectedFailure(res, deps, err);
    }
  };
  const server = config.tls !== undefined ? createTlsServer(options, config.tls, handler) : createHttpServer(options, handler);
  // Node answers any Expect but 100-continue with a bare 417; this gives the engine's JSON error.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => refuseExpectation(req, res, routes, deps));
  const onClientError = clientErrorHandler(config, deps.logger);
  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => onClientError(err, socket as Socket));
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => refuseConnect(socket as Socket, config, deps.logger));
  return server;
}

/** The HTTPS server, or an error naming the certificate and key files that could not be used. */
function createTlsServer(options: ServerOptions, tls: { certFile: string; keyFile: string }, handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
  try {
    return createHttpsServer({ ...options, cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, handler);
  } catch (err) {
    throw new Error(`cannot use the TLS certificate ${tls.certFile} and key ${tls.keyFile}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A failure nothing else caught (a bug): logged, and a 500 if the answer has not started. */
function unexpectedFailure(res: ServerResponse, deps: HttpServerDeps, err: unknown): void {
  deps.logger.error('unexpected failure in the REST handler', { error: String(err) });
  sendError(res, [], toEngineError(err));
}

/**
 * One request: route, Seldon's headers, then the answer. Returns a promise only for the routes
 * answered asynchronously outside serveGraph (readiness, metrics); serveGraph handles its own
 * failures. Promise chains rather than async functions on this path (here, serveGraph, answerOf):
 * each async frame and await is allocation and scheduling on every request.
 */
function handle(req: IncomingMessage, res: ServerResponse, routes: RouteTable, deps: HttpServerDeps): Promise<void> | undefined {
  const started = performance.now();
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const match = routes.match(q === -1 ? url : url.slice(0, q));
  const method = req.method ?? 'GET';
  const puid = headerValue(req.headers['seldon-puid']) || randomUUID();
  const headers = responseHeaders(req, puid, match, deps.config);
  if (deps.service.draining) res.shouldKeepAlive = false;

  const badFraming = framingProblem(req);
  if (badFraming !== undefined) {
    res.shouldKeepAlive = false;
    sendError(res, headers, engineError('BAD_REQUEST', badFraming));
    return undefined;
  }
  if (match === undefined) {
    sendError(res, headers, engineError('NOT_FOUND', `no route for ${method} ${url.slice(0, 200)}`));
    return undefined;
  }
  const { route } = match;
  if (method === 'OPTIONS' && route.methods.includes('OPTIONS')) {
    empty(res, headers, 200);
    return undefined;
  }
  const service = route.service;
  if (!route.methods.includes(method)) {
    headers.push('Allow', route.allow);
    sendError(res, headers, engineError('METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.slice(0, q === -1 ? 200 : Math.min(q, 200))} (allowed: ${route.allow})`));
    if (service !== undefined) deps.metrics.observeServer(service, methodLabel(method), String(res.statusCode), (performance.now() - started) / 1000);
    return undefined;
  }
  switch (route.kind) {
    case 'live':
      empty(res, headers, 200);
      return undefined;
    case 'ready':
    case 'readiness':
      return deps.service.ready().then((ready) => empty(res, headers, ready ? 200 : 503));
    case 'metrics':
      return deps.metrics.render().then((text) => {
        headers.push('Content-Type', deps.metrics.contentType);
        res.writeHead(200, headers);
        res.end(text);
      });
    default:
      serveGraph(req, res, headers, match, puid, started, deps);
      return undefined;
  }
}

/**
 * What makes a request that Node's parser accepted unfit to serve: HTTP/1.1 without Host (RFC 9112
 * section 3.2), or a transfer coding besides chunked, e.g. `gzip, chunked`: Node undoes only the
 * chunked one and would hand over the body still gzipped, to be forwarded or parsed as it is.
 */
function framingProblem(req: IncomingMessage): string | undefined {
  if (req.httpVersion === '1.1' && req.headers.host === undefined) return 'an HTTP/1.1 request must have a Host header';
  const te = req.headers['transfer-encoding'];
  if (te !== undefined && te.trim().toLowerCase() !== 'chunked') {
    return `Transfer-Encoding ${JSON.stringify(te.slice(0, 100))} is not supported; the only transfer coding the engine takes is chunked`;
  }
  return undefined;
}

/** A request whose `Expect` is not 100-continue: 417, with Seldon's headers and the JSON error. */
function refuseExpectation(req: IncomingMessage, res: ServerResponse, routes: RouteTable, deps: HttpServerDeps): void {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const puid = headerValue(req.headers['seldon-puid']) || randomUUID();
  const headers = responseHeaders(req, puid, routes.match(q === -1 ? url : url.slice(0, q)), deps.config);
  const expect = headerValue(req.headers.expect).slice(0, 100);
  sendError(res, headers, engineError('EXPECTATION_FAILED', `the request expects ${JSON.stringify(expect)}; only 100-continue is supported`));
}

/**
 * A graph route: runs it and answers, then records the server metrics. One `then` with both
 * handlers for the whole request (not then/catch/then/catch: each is a promise and a job).
 */
function serveGraph(req: IncomingMessage, res: ServerResponse, headers: string[], match: RouteMatch, puid: string, started: number, deps: HttpServerDeps): void {
  const abort = new Cancel();
  // A client that goes away aborts every child call it caused (Seldon let them run, quirk 25).
  res.on('close', () => {
    if (!res.writableFinished) abort.abort(new Error('the client closed the connection'));
  });
  const forwarded = forwardHeaders(req.headers, puid);
  const span = deps.tracing?.httpServerSpan(match.route.kind, req.method ?? 'GET', req.url ?? '/', forwarded, puid);
  const waits = new WaitClock();
  const ctx: CallContext = { puid, headers: span?.headers ?? forwarded, signal: abort, routing: new Map(), waits, trace: span?.trace };
  let answer: Promise<Payload>;
  try {
    answer = answerOf(req, match, ctx, deps);
  } catch (err) {
    answer = Promise.reject(err);
  }
  answer.then(
    (payload) => {
      try {
        sendPayload(res, headers, payload);
        span?.end(res.statusCode);
      } catch (err) {
        // The answer could not be written as JSON (a child's protobuf that does not decode).
        answerFailure(answerFault(payload, err), req, res, headers, match, puid, abort, span, deps);
      }
      recordServed(req, res, match, started, waits, deps);
    },
    (err: unknown) => {
      answerFailure(err, req, res, headers, match, puid, abort, span, deps);
      recordServed(req, res, match, started, waits, deps);
    },
  );
}

/** Answers a graph route that failed (module functions, not closures: nothing per request until a failure). */
function answerFailure(err: unknown, req: IncomingMessage, res: ServerResponse, headers: string[], match: RouteMatch, puid: string, abort: Cancel, span: ServerSpan | undefined, deps: HttpServerDeps): void {
  try {
    const error = toEngineError(err);
    logFailure(deps.logger, error, puid, match);
    if (error.code === 'CLIENT_CLOSED' && abort.aborted) {
      span?.end(499, error); // nobody to answer
      return;
    }
    if (error.code === 'PAYLOAD_TOO_LARGE') lingerAfterRefusal(req, res, deps.service.draining);
    sendError(res, headers, error);
    span?.end(res.statusCode, error);
  } catch (e) {
    unexpectedFailure(res, deps, e);
  }
}

/** A child's answer the engine could not turn into the REST answer is that child's fault, not the caller's. */
function answerFault(payload: Payload, err: unknown): unknown {
  return blameChild(err, payload.origin, 'the engine cannot write as JSON');
}

/** The server metrics of a graph route, once the answer is written (not when nothing could be: the client had gone). */
function recordServed(req: IncomingMessage, res: ServerResponse, match: RouteMatch, started: number, waits: WaitClock, deps: HttpServerDeps): void {
  const service = match.route.service;
  if (service === undefined || !res.headersSent) return;
  const method = req.method ?? 'GET';
  const elapsedMs = performance.now() - started;
  try {
    deps.metrics.observeServer(service, method === 'POST' ? 'post' : method.toLowerCase(), String(res.statusCode), elapsedMs / 1000);
    deps.metrics.observeOverhead(service, (elapsedMs - waits.waitedMs) / 1000);
  } catch (err) {
    deps.logger.error('recording the server metrics failed', { error: String(err) });
  }
}

/** The answer of a graph route (predictions, feedback, status, metadata, graph metadata). */
function answerOf(req: IncomingMessage, match: RouteMatch, ctx: CallContext, deps: HttpServerDeps): Promise<Payload> {
  switch (match.route.kind) {
    case 'predictions':
      return readBody(req, deps.config.maxBodyBytes).then((body) => deps.service.predict(requestPayload(req, body, deps.config.maxBodyBytes), ctx));
    case 'feedback':
      return readBody(req, deps.config.maxBodyBytes).then((body) => deps.service.feedback(requestPayload(req, body, deps.config.maxBodyBytes), ctx));
    case 'status':
      return deps.service.status(match.model, ctx);
    case 'metadata':
      return deps.service.metadata(match.model, ctx);
    default:
      return deps.service.graphMetadata(ctx);
  }
}

/**
 * A refused body may still be arriving (body.ts reads and drops the rest, within bounds). Node closes
 * a connection right after the answer when the client sent `Connection: close`, and closing with
 * unread bytes arriving makes the kernel reset it, which discards the 413 before the client reads
 * it. So the connection is kept open through the answer and ended once the body has been read.
 */
function lingerAfterRefusal(req: IncomingMessage, res: ServerResponse, draining: boolean): void {
  if (req.complete || res.shouldKeepAlive || draining) return;
  res.shouldKeepAlive = true;
  req.once('end', () => req.socket.end());
}

/** The request body as a payload; decoding its Content-Encoding is held to `--max_body_bytes` too. */
function requestPayload(req: IncomingMessage, body: Buffer[], maxBodyBytes: number): Payload {
  return Payload.received(body, headerValue(req.headers['content-type']), headerValue(req.headers['content-encoding']), maxBodyBytes);
}

/**
 * Seldon's headers on every answer (puid, nosniff, CORS, CloudEvents), as the flat name/value list
 * `writeHead` takes: one call, without the per-header validation and bookkeeping of `setHeader`.
 */
function responseHeaders(req: IncomingMessage, puid: string, match: RouteMatch | undefined, config: Config): string[] {
  const headers = ['Seldon-Puid', puid, 'X-Content-Type-Options', 'nosniff', 'Access-Control-Allow-Origin', config.corsAllowedOrigins, 'Access-Control-Allow-Headers', config.corsAllowedHeaders];
  if (match?.route.corsMethods !== undefined) headers.push('Access-Control-Allow-Methods', match.route.corsMethods);
  if (req.headers['ce-specversion'] !== undefined) {
    headers.push(
      'Ce-Id', puid,
      'Ce-Specversion', '0.3',
      'Ce-Path', (req.url ?? '/').split('?')[0] ?? '/',
      'Ce-Type', `seldon.${config.sdep}.${config.namespace}.response`,
      'Ce-Source', `seldon.${config.sdep}`,
    );
  }
  return headers;
}

function empty(res: ServerResponse, headers: string[], status: number): void {
  headers.push('Content-Length', '0');
  res.writeHead(status, headers);
  res.end();
}

/** Methods named in the `method` label of a refused request; any other (Node parses ~30) is `other`, so clients cannot add series. */
const LABELLED_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

function methodLabel(method: string): string {
  return LABELLED_METHODS.has(method) ? method.toLowerCase() : 'other';
}

function headerValue(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

function logFailure(logger: Logger, err: EngineError, puid: string, match: RouteMatch): void {
  const fields = { puid, route: match.route.kind, code: err.code, status: err.httpStatus, error: err.message };
  if (err.httpStatus >= 500 && err.code !== 'CHILD_STATUS') logger.error('request failed', fields);
  else logger.info('request failed', fields);
}
