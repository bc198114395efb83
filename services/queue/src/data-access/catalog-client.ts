import { ConcertSales, concertSalesPath } from '@ticketing/contracts';
import { AppError } from '@ticketing/platform';
import type { Catalog } from '../domain/stores';

// A miss is answered while a fan waits for their join: give up soon, the fan tries again.
const ASK_TIMEOUT_MS = 2000;

/**
 * The catalog where it is durable: the concert service, asked for a concert's dates when the
 * queue's own copy (Redis, fed by concert.events) has nothing (ADR 0024). Its instances are
 * asked in turn; one that does not answer passes the question to the next.
 */
export class CatalogClient implements Catalog {
  private next = 0;

  constructor(private readonly urls: string[]) {}

  /**
   * The concert's dates as the catalog has them; null when the catalog has no such concert.
   * Throws 503 (try again) when no instance answers.
   */
  async salesOf(concertId: number): Promise<ConcertSales | null> {
    let failure: unknown;
    for (let attempt = 0; attempt < this.urls.length; attempt++) {
      const url = this.urls[this.next++ % this.urls.length]!;
      try {
        const res = await fetch(`${url}${concertSalesPath(concertId)}`, {
          signal: AbortSignal.timeout(ASK_TIMEOUT_MS),
        });
        if (res.status === 404) return null;
        if (res.ok) return ConcertSales.parse(await res.json());
        failure = new Error(`the concert service answered ${res.status}`);
      } catch (err) {
        failure = err;
      }
    }
    throw AppError.unavailable('the catalog cannot be reached: try again', failure);
  }
}
