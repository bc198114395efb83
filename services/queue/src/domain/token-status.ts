import { estimatedWaitSeconds } from './estimates';

/** Where a token stands in its concert's queue. */
export type TokenState =
  | { status: 'WAITING' | 'SOLD_OUT'; position: number; expiresAtMs: number }
  | { status: 'ACTIVE'; expiresAtMs: number }
  | { status: 'GONE' };

export type LiveState = Exclude<TokenState, { status: 'GONE' }>;

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
  state: LiveState,
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
