import { createCursorKey, dropCursorKey, type Knex } from '@ticketing/platform';

/** The key that seals list cursors (made by the database, never configured). */
export const up = (knex: Knex): Promise<void> => createCursorKey(knex);
export const down = (knex: Knex): Promise<void> => dropCursorKey(knex);
