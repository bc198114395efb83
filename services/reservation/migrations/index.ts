import type { Migration } from '@ticketing/platform';

/** The reservation service's migrations, applied in name order. */
export const migrations: Record<string, Migration> = {};
