import { join } from 'node:path';
import { startNodeProcess, type BenchChild } from '../../src/bench';

/** A server process of the benchmark and the port it listens on (127.0.0.1). */
export interface BenchServer {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  stop(): Promise<void>;
}

const LISTENING = /"msg":"listening","port":(\d+)/;

async function start(name: string, script: string, args: readonly string[]): Promise<BenchServer> {
  const child: BenchChild = await startNodeProcess({ name, args: [join(__dirname, script), ...args], readyPattern: LISTENING });
  return { name, pid: child.pid, port: Number(child.readyMatch[1]), stop: () => child.stop() };
}

/** A stub model server (its own process, so its CPU is not the load generator's). */
export function startStub(transport: 'rest' | 'grpc', mode: 'fixed' | 'echo'): Promise<BenchServer> {
  return start(`${transport} stub (${mode})`, transport === 'rest' ? 'stub-rest.js' : 'stub-grpc.js', ['--mode', mode]);
}

/** The bare hop in front of a REST stub. */
export function startBareHop(targetPort: number): Promise<BenchServer> {
  return start(`bare hop -> ${targetPort}`, 'bare-hop.js', ['--target-port', String(targetPort)]);
}
