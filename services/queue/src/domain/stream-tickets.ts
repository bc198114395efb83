import type { QueueTokenClaims, TokenSigner } from '@ticketing/queue-pass';
import { passGone, type Places } from './places';
import type { QueueSettings } from './settings';

/** Stream tickets (ADR 0026): a browser's EventSource opens its pass's event stream with one. */
export class StreamTickets {
  constructor(
    private readonly places: Places,
    private readonly signer: TokenSigner,
    private readonly settings: QueueSettings,
  ) {}

  /**
   * A stream ticket for a live pass (ADR 0026): it opens this pass's event stream for a short
   * while, and nothing else, so a browser may put it in a URL where it cannot put a header. It
   * ends with the pass (`passExpiresAtMs`) if that is sooner: a ticket never outlives its pass.
   */
  async streamTicket(
    claims: QueueTokenClaims,
    passExpiresAtMs: number,
  ): Promise<{ ticket: string; expiresAt: string }> {
    const state = await this.places.stateOf(claims);
    if (state.status === 'GONE') throw passGone();
    const { ticket, expiresAtMs } = this.signer.signStreamTicket(
      claims,
      this.settings.streamTicketTtlSeconds,
      passExpiresAtMs,
    );
    return { ticket, expiresAt: new Date(expiresAtMs).toISOString() };
  }
}
