import { grpcG1P1 } from './grpc-g1-p1';
import { grpcG1P2Echo } from './grpc-g1-p2-echo';
import { grpcG2P1 } from './grpc-g2-p1';
import { restF1P1 } from './rest-f1-p1';
import { restF2P1 } from './rest-f2-p1';
import { restG1P1 } from './rest-g1-p1';
import { restG1P2Echo } from './rest-g1-p2-echo';
import { restG1P2Oneway } from './rest-g1-p2-oneway';
import { restG2P1 } from './rest-g2-p1';
import { restG3P1 } from './rest-g3-p1';
import { restG3P2Echo } from './rest-g3-p2-echo';
import { restG4P1 } from './rest-g4-p1';
import type { Scenario } from './types';

export type { Mode, PathKind, Scenario } from './types';

/** Every scenario, in the order the default matrix runs them. */
export const SCENARIOS: readonly Scenario[] = [
  restG1P1, restG2P1, restG3P1, restF1P1, restF2P1, restG4P1, grpcG1P1, restG1P2Oneway, restG1P2Echo, restG3P2Echo, grpcG2P1, grpcG1P2Echo,
];

/** The id of one scenario at one concurrency, as results and targets name it. */
export function caseId(scenario: Scenario, connections: number): string {
  return `${scenario.name}@c${connections}`;
}
