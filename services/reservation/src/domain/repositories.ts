import type { Queryable } from '@ticketing/platform';
import type { ReservationRepository } from '../data-access/reservation-repository';

/**
 * The reservation repository over the pool or a transaction: the use cases are handed this
 * factory (wired in start.ts) rather than constructing repositories, so a test can hand them its
 * own (ADR 0008).
 */
export type ReservationsIn = (on: Queryable) => ReservationRepository;
