/** How the waiting room runs (configuration, read by start.ts). */
export interface QueueSettings {
  admitPerSecond: number;
  maxActive: number;
  activeTtlMs: number;
  idleMs: number;
  tokenMaxAgeSeconds: number;
  /** A stream ticket's life (ADR 0026). */
  streamTicketTtlSeconds: number;
}

/**
 * How long a join may take between its number and its bit: a number handed out less than this
 * long ago is not passed by the admission tick (its bit may be on its way), and counts as ahead
 * in a snapshot rather than as gone.
 */
export const JOIN_SETTLE_MS = 100;
