import fs from 'node:fs';
import path from 'node:path';
import type { ProductionShapeState } from './production-shape/shape';
import { INFRA_DIR } from './settings';

/** What infra:up started itself (so infra:down stops only that). */
export interface InfraState {
  postgres?: { dataDir: string; port: number };
  redis?: { pid: number; port: number };
  kafka?: { pid: number; port: number };
  oidc?: { pid: number; issuer: string };
  /** The local stand-in for production's shape (`infra up --shape=production`). */
  productionShape?: ProductionShapeState;
}

const file = () => path.join(INFRA_DIR, 'state.json');

export function readState(): InfraState {
  try {
    return JSON.parse(fs.readFileSync(file(), 'utf8')) as InfraState;
  } catch {
    return {};
  }
}

export function writeState(state: InfraState): void {
  fs.mkdirSync(INFRA_DIR, { recursive: true });
  fs.writeFileSync(file(), JSON.stringify(state, null, 2));
}
