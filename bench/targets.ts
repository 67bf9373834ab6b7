/**
 * The performance targets, checked against one run's cases. Ratios are to the bare hop
 * measured in the same run (bench/servers/bare-hop.ts), so they survive a noisy or slower machine.
 * A target whose cases were not run (e.g. with --scenario) is reported as n/a, not as a failure.
 */
import { pathMedian, ratio, stalledPaths, totalErrors, type CaseResult } from '../src/bench';

export interface TargetCheck {
  readonly id: string;
  readonly description: string;
  /** The measured value (undefined when its cases were not run). */
  readonly value: number | undefined;
  readonly limit: number | undefined;
  /** `<=`, `<` or `>=`: how value must compare with limit. */
  readonly op: '<=' | '<' | '>=';
  readonly unit: string;
  readonly pass: boolean | undefined;
  /** How the value was computed, with the inputs. */
  readonly detail: string;
}

type Cases = ReadonlyMap<string, CaseResult>;

const engine = (cases: Cases, id: string) => (cases.get(id) === undefined ? undefined : pathMedian(cases.get(id) as CaseResult, 'engine'));
const bare = (cases: Cases, id: string) => (cases.get(id) === undefined ? undefined : pathMedian(cases.get(id) as CaseResult, 'bare'));
const direct = (cases: Cases, id: string) => (cases.get(id) === undefined ? undefined : pathMedian(cases.get(id) as CaseResult, 'direct'));
const fmt = (v: number | undefined, digits = 1): string => (v === undefined ? '?' : v.toFixed(digits));

function check(id: string, description: string, value: number | undefined, op: TargetCheck['op'], limit: number | undefined, unit: string, detail: string): TargetCheck {
  const pass = value === undefined || limit === undefined ? undefined : op === '<=' ? value <= limit : op === '<' ? value < limit : value >= limit;
  return { id, description, value, limit, op, unit, pass, detail };
}

function maxOf(values: readonly (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length === 0 ? undefined : Math.max(...known);
}

/** Every target of the issue, in the order of the issue. */
export function checkTargets(list: readonly CaseResult[]): TargetCheck[] {
  const cases: Cases = new Map(list.map((c) => [c.id, c]));
  const g1 = engine(cases, 'rest-g1-p1@c32');
  const g1Bare = bare(cases, 'rest-g1-p1@c32');
  const lat = { e: engine(cases, 'rest-g1-p1@c1'), b: bare(cases, 'rest-g1-p1@c1'), d: direct(cases, 'rest-g1-p1@c1') };
  const addedEngine = lat.e && lat.d ? lat.e.p50Us - lat.d.p50Us : undefined;
  const addedBare = lat.b && lat.d ? lat.b.p50Us - lat.d.p50Us : undefined;
  const g2 = engine(cases, 'rest-g2-p1@c32');
  const perHop = g2?.cpuUsPerReq !== undefined && g1?.cpuUsPerReq !== undefined ? (g2.cpuUsPerReq - g1.cpuUsPerReq) / 2 : undefined;
  const g3 = engine(cases, 'rest-g3-p1@c32');
  const g3c1 = engine(cases, 'rest-g3-p1@c1');
  // G3's floor: the same fan-out with no average (rest-f2-p1) against its one-child control.
  const fanOut = ratio(engine(cases, 'rest-f2-p1@c32')?.cpuUsPerReq, engine(cases, 'rest-f1-p1@c32')?.cpuUsPerReq);
  const grpc = engine(cases, 'grpc-g1-p1@c32');
  const oneway = engine(cases, 'rest-g1-p2-oneway@c16');
  const echo = engine(cases, 'rest-g1-p2-echo@c16');
  const echoBare = bare(cases, 'rest-g1-p2-echo@c16');
  const g3p2 = engine(cases, 'rest-g3-p2-echo@c16');
  const p1Cases = list.filter((c) => c.id.includes('-p1@'));
  const p2c16 = list.filter((c) => c.id.includes('-p2') && c.connections === 16);
  const hwm = (cs: readonly CaseResult[]) => maxOf(cs.map((c) => pathMedian(c, 'engine')?.hwmMb));
  const errors = totalErrors(list);
  const stalled = stalledPaths(list);
  return [
    check('errors', 'errors + non-2xx, every path of every case', errors, '<=', 0, 'requests', `${list.length} cases`),
    check('no-stall', 'windows in which a path completed no request', stalled.length, '<=', 0, 'windows', stalled.join(', ') || 'none'),
    check('rest-g1-p1-cpu', 'REST G1-P1 engine CPU/req vs bare hop (c=32, metrics on)', ratio(g1?.cpuUsPerReq, g1Bare?.cpuUsPerReq), '<=', 1.3, 'x',
      `engine ${fmt(g1?.cpuUsPerReq)} µs / bare ${fmt(g1Bare?.cpuUsPerReq)} µs`),
    check('rest-g1-p1-rps', 'REST G1-P1 engine req/s vs bare hop (c=32)', ratio(g1?.reqPerSec, g1Bare?.reqPerSec), '>=', 0.8, 'x',
      `engine ${fmt(g1?.reqPerSec, 0)} / bare ${fmt(g1Bare?.reqPerSec, 0)} req/s`),
    check('rest-g1-p1-added-p50', 'REST G1-P1 added p50 at c=1 <= bare hop added p50 + 50 µs', addedEngine, '<=', addedBare === undefined ? undefined : addedBare + 50, 'µs',
      `engine p50 ${fmt(lat.e?.p50Us)} - direct ${fmt(lat.d?.p50Us)}; bare added ${fmt(addedBare)} µs`),
    check('rest-extra-hop', 'engine CPU per extra REST hop, (G2 - G1) / 2 (c=32)', perHop, '<=', 40, 'µs', `G2 ${fmt(g2?.cpuUsPerReq)} µs, G1 ${fmt(g1?.cpuUsPerReq)} µs`),
    check('rest-g3-vs-g1', 'G3 AVERAGE_COMBINER engine CPU/req vs G1 (REST P1, c=32)', ratio(g3?.cpuUsPerReq, g1?.cpuUsPerReq), '<=', 1.5, 'x',
      `G3 ${fmt(g3?.cpuUsPerReq)} µs / G1 ${fmt(g1?.cpuUsPerReq)} µs; the fan-out alone (F2 / F1) ${fmt(fanOut, 2)} x`),
    // The issue does not say whether "G3 <= 1.5 x G1" is CPU or latency; the CPU reading above is the
    // strict one (two child calls cannot cost 1.5 x one), this is the latency reading.
    check('rest-g3-vs-g1-p50', 'G3 AVERAGE_COMBINER p50 vs G1 p50 at c=1 (REST P1; the latency reading of the target above)', ratio(g3c1?.p50Us, lat.e?.p50Us), '<=', 1.5, 'x',
      `G3 ${fmt(g3c1?.p50Us, 0)} µs / G1 ${fmt(lat.e?.p50Us, 0)} µs`),
    check('grpc-g1-p1-cpu', 'gRPC G1-P1 engine CPU/req (c=32)', grpc?.cpuUsPerReq, '<=', 180, 'µs', `${fmt(grpc?.reqPerSec, 0)} req/s`),
    check('rest-p2-oneway-cpu', 'REST G1 P2 one way (1 MB in, small out) engine CPU/req (c=16)', oneway?.cpuUsPerReq, '<=', 2000, 'µs', `${fmt(oneway?.reqPerSec, 0)} req/s`),
    check('rest-p2-echo-vs-bare', 'REST G1 P2 echo (1 MB both ways) engine CPU/req vs bare hop (c=16)', ratio(echo?.cpuUsPerReq, echoBare?.cpuUsPerReq), '<=', 1.3, 'x',
      `engine ${fmt(echo?.cpuUsPerReq)} µs / bare ${fmt(echoBare?.cpuUsPerReq)} µs`),
    check('rss-idle', 'engine RSS idle (largest over the engines started)', maxOf(list.map((c) => c.idleRssMb)), '<', 70, 'MB', 'VmRSS after /ready, before load'),
    check('rss-p1-load', 'engine RSS under P1 load (VmHWM, largest over P1 cases)', hwm(p1Cases), '<', 100, 'MB', p1Cases.map((c) => c.id).join(', ')),
    check('rss-p2-c16', 'engine RSS with P2 at 16 connections (VmHWM, largest)', hwm(p2c16), '<', 300, 'MB', p2c16.map((c) => c.id).join(', ')),
    check('rest-g3-p2-vs-pass', 'G3 AVERAGE_COMBINER on P2 engine CPU/req vs G1 P2 echo pass-through', ratio(g3p2?.cpuUsPerReq, echo?.cpuUsPerReq), '<=', 3, 'x',
      `G3 ${fmt(g3p2?.cpuUsPerReq)} µs / pass-through ${fmt(echo?.cpuUsPerReq)} µs`),
  ];
}
