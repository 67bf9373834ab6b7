import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { standardPayload, type BenchPayload } from '../src/bench';
import type { Scenario } from './scenarios';
import { startBareHop, startStub, type BenchServer } from './servers';

/** bench/graphs in the source tree (this file runs as dist/bench/fixtures.js). */
export const GRAPHS_DIR = join(__dirname, '..', '..', 'bench', 'graphs');

/**
 * What scenarios share over a run: stub servers (one per transport and mode), bare hops (one per
 * REST stub), payloads and rendered graph files. Everything is started on first use and stopped by
 * `close`, so a --scenario run starts only what it needs.
 */
export class Fixtures {
  readonly #servers = new Map<string, Promise<BenchServer>>();
  readonly #payloads = new Map<string, BenchPayload>();
  readonly #dir = mkdtempSync(join(tmpdir(), 'infergraph-bench-'));

  stub(transport: 'rest' | 'grpc', mode: 'fixed' | 'echo'): Promise<BenchServer> {
    return this.#server(`stub:${transport}:${mode}`, () => startStub(transport, mode));
  }

  /** The bare hop in front of the REST stub on `stubPort`. */
  bareHop(stubPort: number): Promise<BenchServer> {
    return this.#server(`bare:${stubPort}`, () => startBareHop(stubPort));
  }

  payload(name: 'p1' | 'p2'): BenchPayload {
    let p = this.#payloads.get(name);
    if (p === undefined) {
      p = standardPayload(name);
      this.#payloads.set(name, p);
    }
    return p;
  }

  /** Writes the scenario's graph with every child pointing at `port`, and returns the file. */
  graphFile(scenario: Scenario, port: number): string {
    const template = readFileSync(join(GRAPHS_DIR, `${scenario.graph}.json`), 'utf8');
    const text = template.replaceAll('__PORT__', String(port)).replaceAll('__TYPE__', scenario.transport === 'rest' ? 'REST' : 'GRPC');
    const file = join(this.#dir, `${scenario.name}.json`);
    writeFileSync(file, text);
    return file;
  }

  /** The pids of every server started so far. */
  async pids(): Promise<number[]> {
    return (await Promise.all(this.#servers.values())).map((s) => s.pid);
  }

  async close(): Promise<void> {
    const started = await Promise.allSettled(this.#servers.values());
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    this.#servers.clear();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #server(key: string, create: () => Promise<BenchServer>): Promise<BenchServer> {
    let s = this.#servers.get(key);
    if (s === undefined) {
      s = create();
      this.#servers.set(key, s);
    }
    return s;
  }
}
