/**
 * The gRPC load driver on its own, for poking at a server by hand (the benchmark imports
 * runGrpcLoad from src/bench directly):
 *   node dist/bench/drivers/grpc-load.js --port 5000 [--method /seldon.protos.Seldon/Predict]
 *       [--concurrency 32] [--channels 4] [--duration 5] [--payload p1|p2|file.json]
 * Prints the LoadResult as JSON. Loopback only.
 */
import { parseArgs } from 'node:util';
import { ENGINE_GRPC_METHOD, loadPayload, runGrpcLoad } from '../../src/bench';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' }, method: { type: 'string', default: ENGINE_GRPC_METHOD }, concurrency: { type: 'string', default: '32' },
      channels: { type: 'string' }, duration: { type: 'string', default: '5' }, payload: { type: 'string', default: 'p1' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port <= 0) throw new Error('--port is required');
  const result = await runGrpcLoad({
    target: `127.0.0.1:${port}`,
    method: values.method,
    message: loadPayload(values.payload).proto,
    concurrency: Number(values.concurrency),
    durationSec: Number(values.duration),
    ...(values.channels === undefined ? {} : { channels: Number(values.channels) }),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`grpc-load: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
