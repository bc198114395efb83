import { quietOutboxNotify } from '@ticketing/messaging';
import type { Knex } from '@ticketing/platform';

/** The outbox trigger stays quiet when the writer's own relay is told in process (ADR 0014). */
export async function up(knex: Knex): Promise<void> {
  await quietOutboxNotify(knex);
}
