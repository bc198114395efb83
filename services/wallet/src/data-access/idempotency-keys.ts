import { deleteInBatches, type Knex, type Queryable } from '@ticketing/platform';
import type { FirstAnswer, IdempotencyKeys as KeyStore, KeyRecord } from '../domain/repositories';

/** Idempotency keys of charges: claimed first, completed with the response, kept ≥ 24 h. */
export class IdempotencyKeys implements KeyStore {
  private readonly db: Knex | Knex.Transaction;

  constructor(private readonly executor: Queryable) {
    this.db = executor.knex;
  }

  /** True if this request now owns the key. */
  async claim(userId: string, key: string, requestHash: string): Promise<boolean> {
    const rows = await this.db('idempotency_keys')
      .insert({ user_id: userId, key, request_hash: requestHash, status: 'IN_PROGRESS' })
      .onConflict(['user_id', 'key'])
      .ignore()
      .returning('key');
    return rows.length === 1;
  }

  async find(userId: string, key: string): Promise<KeyRecord | undefined> {
    const row = (await this.db('idempotency_keys').where({ user_id: userId, key }).first()) as
      | {
          request_hash: string;
          status: 'IN_PROGRESS' | 'DONE';
          response_status: number | null;
          response_body: unknown;
        }
      | undefined;
    if (!row) return undefined;
    return {
      requestHash: row.request_hash,
      status: row.status,
      ...(row.response_status !== null && {
        answer: { status: row.response_status, body: row.response_body },
      }),
    };
  }

  /** Takes over a key whose first request died mid-way (IN_PROGRESS for too long). */
  async takeOverStale(userId: string, key: string, staleAfterSeconds: number): Promise<boolean> {
    const n = await this.db('idempotency_keys')
      .where({ user_id: userId, key, status: 'IN_PROGRESS' })
      .andWhere(
        'created_at',
        '<',
        this.db.raw(`now() - make_interval(secs => ?)`, [staleAfterSeconds]),
      )
      .update({ created_at: this.db.fn.now() });
    return n === 1;
  }

  async complete(userId: string, key: string, response: FirstAnswer): Promise<void> {
    await this.db('idempotency_keys')
      .where({ user_id: userId, key })
      .update({
        status: 'DONE',
        response_status: response.status,
        response_body: JSON.stringify(response.body),
      });
  }

  isKeyTaken(err: unknown): boolean {
    const e = err as { code?: string; constraint?: string };
    return e.code === '23505' && e.constraint === 'idempotency_keys_pkey';
  }

  async release(userId: string, key: string): Promise<void> {
    await this.db('idempotency_keys')
      .where({ user_id: userId, key, status: 'IN_PROGRESS' })
      .delete();
  }

  /** Forgets keys older than `hours`, in bounded batches. */
  purgeOlderThan(hours: number): Promise<number> {
    return deleteInBatches(
      this.executor,
      'idempotency_keys',
      `select ctid from idempotency_keys
       where created_at < now() - make_interval(hours => $1::int) limit $2`,
      [hours],
    );
  }
}
