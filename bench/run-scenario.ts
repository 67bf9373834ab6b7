import {
  ENGINE_GRPC_METHOD, ENGINE_REST_PATH, grpcPath, measure, restPath, startEngineProcess,
  type CaseResult, type LoadPath, type ProgressLine,
} from '../src/bench';
import type { Fixtures } from './fixtures';
import { probeGrpc, probeRest } from './probe';
import { caseId, type Mode, type PathKind, type Scenario } from './scenarios';

/** The measurement protocol's knobs (performance.md section 5). */
export interface Protocol {
  readonly warmupSec: number;
  readonly rounds: number;
  readonly durationSec: number;
}

/** gRPC method a stub is called on directly: the one the engine calls for a MODEL. */
const STUB_GRPC_METHOD = '/seldon.protos.Model/Predict';
/** REST path a stub is called on directly and through the bare hop: the one the engine calls for a MODEL. */
const STUB_REST_PATH = '/predict';

/**
 * Runs one scenario: starts its engine (a fresh process, so its idle RSS and VmHWM belong to this
 * scenario), then for each mode probes every path once and measures them alternately.
 */
export async function runScenario(scenario: Scenario, modes: readonly Mode[], fx: Fixtures, protocol: Protocol, progress: ProgressLine): Promise<CaseResult[]> {
  const stub = await fx.stub(scenario.transport, scenario.stub);
  progress.update(`${scenario.name}: starting the engine`);
  const engine = await startEngineProcess({ file: fx.graphFile(scenario, stub.port) });
  try {
    const results: CaseResult[] = [];
    for (const mode of modes) {
      const id = caseId(scenario, mode.connections);
      const paths: LoadPath[] = [];
      for (const kind of mode.paths) {
        paths.push(await buildPath(kind, scenario, mode.connections, fx, engine, stub));
      }
      const measured = await measure({ paths, ...protocol, label: id, progress });
      results.push({ id, transport: scenario.transport, connections: mode.connections, idleRssMb: engine.idleRssMb, paths: measured });
      const e = measured.find((p) => p.name === 'engine')?.median;
      progress.log(`${id}: done${e === undefined ? '' : ` (engine ${Math.round(e.reqPerSec)} req/s, ${e.cpuUsPerReq?.toFixed(1) ?? '?'} µs CPU/req, ${e.errors + e.non2xx} errors)`}`);
    }
    return results;
  } catch (err) {
    throw new Error(`${scenario.name}: ${(err as Error).message}\nengine output:\n${engine.child.tail()}`);
  } finally {
    await engine.stop();
  }
}

/** One path of a case, probed once so a broken setup fails before it is measured. */
async function buildPath(
  kind: PathKind, scenario: Scenario, connections: number, fx: Fixtures,
  engine: { pid: number; restPort: number; grpcPort: number }, stub: { pid: number; port: number },
): Promise<LoadPath> {
  const payload = fx.payload(scenario.payload);
  const stubPids = [stub.pid];
  if (scenario.transport === 'grpc') {
    if (kind === 'bare') throw new Error('the bare hop is REST-only');
    const [port, method, pid] = kind === 'direct' ? [stub.port, STUB_GRPC_METHOD, undefined] : [engine.grpcPort, ENGINE_GRPC_METHOD, engine.pid];
    await probeGrpc(`127.0.0.1:${port}`, method, payload.proto);
    return grpcPath(kind, `127.0.0.1:${port}`, method, payload.proto, connections, { stubPids, ...(pid === undefined ? {} : { pid }) });
  }
  let url: string;
  let pid: number | undefined;
  if (kind === 'direct') {
    url = `http://127.0.0.1:${stub.port}${STUB_REST_PATH}`;
  } else if (kind === 'bare') {
    const bare = await fx.bareHop(stub.port);
    url = `http://127.0.0.1:${bare.port}${ENGINE_REST_PATH}`;
    pid = bare.pid;
  } else {
    url = `http://127.0.0.1:${engine.restPort}${ENGINE_REST_PATH}`;
    pid = engine.pid;
  }
  await probeRest(url, payload.json);
  return restPath(kind, url, payload.json, connections, { stubPids, ...(pid === undefined ? {} : { pid }) });
}
