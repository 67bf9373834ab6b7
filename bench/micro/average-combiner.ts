/**
 * What AVERAGE_COMBINER costs per call for the bench's two payloads (two children answering the same
 * message, as in the bench):
 * - P1: the stubs' fixed answer (two 2-element ndarrays);
 * - P2: the bench's 1 MB tensor of 52,000 doubles, with its three big parts timed alone: decoding
 *   the two answers' UTF-8, JSON.parse of both, and JSON.stringify of the 52,000 means (the
 *   fastest of V8's built-in ways to print doubles). The README's Performance section says what
 *   these imply for the combiner target.
 *
 *   node dist/bench/micro/average-combiner.js [--rounds 7]
 *
 * Medians over the rounds; each round runs a fixed number of calls (P1 100,000, P2 20).
 */
import { FIXED_REPLY_JSON } from '../servers/replies';
import { averageCombiner } from '../../src/units/builtin/average-combiner';
import { Payload } from '../../src/message/payload';
import { standardPayload } from '../../src/bench/payloads';
import { Cancel } from '../../src/graph/cancel';
import type { NodeSpec } from '../../src/graph/spec';
import type { CallContext, Unit } from '../../src/graph/unit';
import { intFlag } from './int-flag';


const ROUNDS = intFlag('rounds', 7, 1000);
// Only the fields the combiner reads: its name and how many children it has.
const node = { name: 'combiner', children: [{}, {}] } as unknown as NodeSpec;
const unit: Unit = averageCombiner.create(node, { random: Math.random });
const ctx: CallContext = { puid: 'micro', headers: {}, signal: new Cancel(), routing: new Map() };

/** µs per call of `fn` over `calls` calls (fresh input payloads each call: parsed JSON is cached in them). */
async function time(calls: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / 1000 / calls;
}

async function main(): Promise<void> {
  const p1 = Buffer.from(FIXED_REPLY_JSON);
  const p2 = standardPayload('p2').json;
  const p2Text = p2.toString('utf8');
  const p2Values = (JSON.parse(p2Text) as { data: { tensor: { values: number[] } } }).data.tensor.values;
  const combine = (body: Buffer) => async (): Promise<void> => {
    const out = await unit.aggregate?.([new Payload(body, 'application/json'), new Payload(body, 'application/json')], ctx);
    if (out === undefined || out.body.length === 0) throw new Error('AVERAGE_COMBINER gave no output');
  };
  const cases: Array<[string, number, () => Promise<unknown> | unknown]> = [
    ['P1: AVERAGE_COMBINER of two answers, whole call', 100_000, combine(p1)],
    ['P2: AVERAGE_COMBINER of two answers, whole call', 20, combine(p2)],
    ['P2 part: UTF-8 decoding of the two answers', 20, () => p2.toString('utf8').length + p2.toString('utf8').length],
    ['P2 part: JSON.parse of the two answers', 20, () => [JSON.parse(p2Text), JSON.parse(p2Text)]],
    ['P2 part: JSON.stringify of the 52,000 means', 20, () => JSON.stringify(p2Values).length],
  ];
  const samples = cases.map((): number[] => []);
  for (const [, calls, fn] of cases) await time(Math.min(calls, 1000), fn); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (let c = 0; c < cases.length; c++) {
      const [, calls, fn] = cases[c] as [string, number, () => Promise<unknown> | unknown];
      samples[c]?.push(await time(calls, fn));
    }
  }
  console.log(`Node ${process.version}, ${ROUNDS} rounds, median per call:`);
  cases.forEach(([name], c) => {
    const s = (samples[c] ?? []).sort((a, b) => a - b);
    const median = s[Math.floor(s.length / 2)] ?? NaN;
    console.log(`  ${name.padEnd(52)} ${median >= 1000 ? `${(median / 1000).toFixed(2)} ms` : `${median.toFixed(2)} µs`}`);
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
