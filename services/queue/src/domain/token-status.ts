import type { TokenState } from '../data-access/queue-store';
import { estimatedWaitSeconds } from './estimates';

export type { TokenState };

export interface TokenView {
  token: string;
  tokenId: string;
  userId: string;
  concertId: number;
  status: 'WAITING' | 'ACTIVE';
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
  const position = state.status === 'WAITING' ? state.position : 0;
  return {
    ...claims,
    status: state.status,
    position,
    estimatedWaitSeconds: estimatedWaitSeconds(position, admitPerSecond),
    expiresAt: new Date(state.expiresAtMs).toISOString(),
  };
}
