import {
  DEFAULT_BATCHES,
  deleteInBatches,
  type Database,
  type Knex,
  type RetentionBatches,
} from '@ticketing/platform';
import { INBOX_TABLE } from './inbox';

/**
 * Forgets consumed messages older than the window. A redelivery inside the window is still
 * recognised (its claim conflicts); one older than the window would be applied again, which is
 * why the window is far longer than any redelivery (a consumer restarting at its committed
 * offset) and at least Kafka's retention by default.
 */
export function purgeInbox(
  db: Database,
  olderThanMinutes: number,
  batches: RetentionBatches = DEFAULT_BATCHES,
): Promise<number> {
  return deleteInBatches(
    db,
    INBOX_TABLE,
    `select ctid from ${INBOX_TABLE}
     where received_at < now() - make_interval(mins => $1::int) limit $2`,
    [olderThanMinutes],
    batches,
  );
}

/** Migration step: the inbox by age, for its retention. */
export async function indexInboxByAge(knex: Knex): Promise<void> {
  await knex.raw(`create index if not exists inbox_by_age on ${INBOX_TABLE} (received_at)`);
}
