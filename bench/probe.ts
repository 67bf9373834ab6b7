/**
 * One request down a path before it is measured, checking the answer is a real prediction, so a
 * misconfigured graph fails loudly instead of producing fast error numbers.
 */
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { loadSeldonProtocol } from '../src/protocols/seldon';
import { PROTO_DIR } from '../src/bench';

const identity = (b: Buffer): Buffer => b;

/** POSTs `body` to `url`; throws unless the answer is 200 with a JSON SeldonMessage holding data. */
export async function probeRest(url: string, body: Buffer): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    // fetch hides the socket error in `cause`.
    const cause = (err as { cause?: unknown }).cause;
    throw new Error(`probe POST ${url}: ${(err as Error).message}${cause instanceof Error ? `: ${cause.message}` : ''}`);
  }
  const text = await res.text();
  if (res.status !== 200) throw new Error(`probe POST ${url}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  const json = JSON.parse(text) as { data?: unknown };
  if (typeof json.data !== 'object' || json.data === null) throw new Error(`probe POST ${url}: answer has no data: ${text.slice(0, 300)}`);
}

let codec: ReturnType<typeof loadSeldonProtocol> | undefined;

/** Calls `method` once; throws unless the status is OK and the answer decodes as a SeldonMessage with data. */
export async function probeGrpc(target: string, method: string, message: Buffer): Promise<void> {
  codec ??= loadSeldonProtocol(PROTO_DIR);
  const client = new Client(target, credentials.createInsecure(), { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 });
  try {
    const answer = await new Promise<Buffer>((resolve, reject) => {
      client.makeUnaryRequest(method, identity, identity, message, new Metadata(), { deadline: Date.now() + 10_000 },
        (err: ServiceError | null, value?: Buffer) => (err === null ? resolve(value ?? Buffer.alloc(0)) : reject(new Error(`probe ${method} on ${target}: gRPC ${err.code} ${err.details}`))));
    });
    const json = codec.toJson('SeldonMessage', answer) as { data?: unknown };
    if (typeof json.data !== 'object' || json.data === null) throw new Error(`probe ${method} on ${target}: answer has no data`);
  } finally {
    client.close();
  }
}
