import type { Queryable, Transaction } from '@ticketing/platform';
import type { CatalogRepository, CatalogWriter } from '../data-access/catalog-repository';

/**
 * The catalog's repositories over the pool or a transaction: the use cases are handed these
 * factories (wired in start.ts) rather than constructing repositories, so a test can hand them
 * its own (ADR 0008).
 */
export interface CatalogIn {
  reads(on: Queryable): CatalogRepository;
  writer(tx: Transaction): CatalogWriter;
}
