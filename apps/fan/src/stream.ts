import { answer, bearer, type Api } from './api/client';

/** An event's data (OpenAPI describes the stream, not its events; ADR 0026 does). */
export interface Place {
  status: 'WAITING' | 'SOLD_OUT' | 'ACTIVE' | 'EXPIRED';
  position?: number;
  estimatedWaitSeconds?: number | null;
}

export interface StreamEvents {
  onPlace(event: 'position' | 'sold-out' | 'active' | 'expired', place: Place): void;
  onConnection(state: 'live' | 'reconnecting'): void;
  /** The pass itself is gone (left, spent or expired): no stream can be opened for it. */
  onGone(): void;
}

/**
 * The live position through the browser's EventSource (pushed, never polled). EventSource cannot
 * send the pass in a header, so the pass buys a stream ticket that opens this one stream and
 * nothing else (ADR 0026). A dropped stream is reconnected by EventSource itself; one it gave up
 * on (the ticket expired, the gateway answered an error) is opened again with a new ticket.
 */
export class PlaceStream {
  private source?: EventSource;
  private closed = false;
  private retryTimer?: number;

  constructor(
    private readonly api: Api,
    /** Where the API is (EventSource takes a URL, not the client). */
    private readonly apiUrl: string,
    private readonly pass: string,
    private readonly events: StreamEvents,
  ) {}

  async open(): Promise<void> {
    if (this.closed) return;
    let url: string;
    try {
      url = (
        await answer(
          this.api.POST('/queue/tokens/me/stream-ticket', { headers: bearer(this.pass) }),
        )
      ).url;
    } catch (err) {
      if ((err as { status?: number }).status === 401) return this.events.onGone();
      return this.retry();
    }
    const source = new EventSource(`${this.apiUrl}${url}`);
    this.source = source;
    source.onopen = () => this.events.onConnection('live');
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        this.events.onConnection('reconnecting');
        this.retry();
      } else this.events.onConnection('reconnecting');
    };
    for (const name of ['position', 'sold-out', 'active', 'expired'] as const)
      source.addEventListener(name, (e) => {
        const place = JSON.parse((e as MessageEvent<string>).data) as Place;
        if (name === 'active' || name === 'expired') this.close();
        this.events.onPlace(name, place);
      });
  }

  private retry(): void {
    this.source?.close();
    if (!this.closed) this.retryTimer = window.setTimeout(() => void this.open(), 2000);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.source?.close();
  }
}
