import type { TokenState } from '../data-access/queue-store';
import { estimatedWaitSeconds } from './estimates';

export type { TokenState };

export interface TokenView {
  token: string;
  tokenId: string;
  userId: string;
  concertId: number;
  /** SOLD_OUT: waiting, but nothing is left to sell (the place is kept; additive to API.md). */
  status: 'WAITING' | 'SOLD_OUT' | 'ACTIVE';
  position: number;
  estimatedWaitSeconds: number | null;
  expiresAt: string;
}

/** The API's view of a live token (API.md: `position` is 0 when ACTIVE). */
export function viewOf(
  claims: { token: string; tokenId: string; userId: string; concertId: number },
  state: Exclude<TokenState, { status: 'GONE' }>,
  admitPerSecond: number,
): TokenView {
  const position = state.status === 'ACTIVE' ? 0 : state.position;
  return {
    ...claims,
    status: state.status,
    position,
    estimatedWaitSeconds: estimatedWaitSeconds(position, admitPerSecond),
    expiresAt: new Date(state.expiresAtMs).toISOString(),
  };
}
