/**
 * ms per AVERAGE_COMBINER call on the P2 REST tensor (52,000 float32 values as doubles, ~1 MB of
 * JSON) from two children with identical answers: the JSON.parse path (averageParsed) against the
 * byte-level path the unit takes.
 *
 *   node dist/bench/micro/average-combiner.js [--rounds 15]
 *
 * Rounds alternate the two paths so machine noise hits both; the median is printed.
 */
import { P2_REST_VALUES, tensorMessage } from '../../src/bench/payloads';
import { Cancel } from '../../src/graph/cancel';
import type { CallContext } from '../../src/graph/unit';
import { Payload } from '../../src/message/payload';
import { averageCombiner, averageParsed } from '../../src/units/builtin/average-combiner';

const i = process.argv.indexOf('--rounds');
const ROUNDS = i >= 0 ? Number(process.argv[i + 1]) : 15;
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > 1000) throw new Error('--rounds must be an integer in 1..1000');

const body = Buffer.from(JSON.stringify(tensorMessage(P2_REST_VALUES)));
const base = { type: 'COMBINER', methods: [], endpoint: undefined, parameters: [], logger: undefined } as const;
const node = { ...base, name: 'avg', implementation: 'AVERAGE_COMBINER', children: [] };
const unit = averageCombiner.create(node, { random: Math.random });
const ctx: CallContext = { puid: 'p', headers: {}, signal: new Cancel(), routing: new Map() };
const PREFIX = 'AVERAGE_COMBINER node "avg"';

/** Fresh payloads each call (as children's replies are), so no parse is cached between calls. */
const inputs = (): Payload[] => [new Payload(body, 'application/json'), new Payload(body, 'application/json')];

async function time(f: () => Promise<Payload>): Promise<number> {
  const t0 = process.hrtime.bigint();
  const out = await f();
  if (out.size === 0) throw new Error('empty answer');
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function main(): Promise<void> {
  const aggregate = unit.aggregate;
  if (aggregate === undefined) throw new Error('AVERAGE_COMBINER has no aggregate');
  const parsed = (): Promise<Payload> => Promise.resolve(averageParsed(inputs(), PREFIX));
  const raw = (): Promise<Payload> => aggregate(inputs(), ctx);
  if ((await parsed()).body.compare((await raw()).body) !== 0) throw new Error('the two paths answer differently');
  // Warm-up, then interleaved rounds.
  for (let w = 0; w < 5; w++) {
    await time(parsed);
    await time(raw);
  }
  const times: Record<string, number[]> = { 'JSON.parse path (averageParsed)': [], 'byte-level path (unit)': [] };
  for (let r = 0; r < ROUNDS; r++) {
    times['JSON.parse path (averageParsed)']?.push(await time(parsed));
    times['byte-level path (unit)']?.push(await time(raw));
  }
  console.log(`P2 tensor, ${body.length} bytes, 2 identical inputs, ${ROUNDS} rounds:`);
  for (const [name, list] of Object.entries(times)) {
    const sorted = [...list].sort((a, b) => a - b);
    console.log(`  ${name}: median ${(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(2)} ms, min ${(sorted[0] ?? 0).toFixed(2)} ms`);
  }
}

void main();
