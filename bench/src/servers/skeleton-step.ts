// What every hop of the saga's skeleton does between taking a message and sending it on, the same
// on every Kafka client (bench/src/skeleton.ts): one durable statement, nothing else.

/** The inbox the skeleton's hops claim their messages in (created by `SagaSkeleton.open`). */
export const SKELETON_INBOX = 'skeleton_inbox';

/** The one statement a hop makes per message: its claim, committed synchronously. */
export const CLAIM_STATEMENT = {
  name: 'claim',
  text: `insert into ${SKELETON_INBOX} (message_id) values ($1) on conflict do nothing`,
};

export function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}
