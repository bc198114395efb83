import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Knex } from 'knex';
import type { Database } from './database';
import { AppError } from './errors';

const TABLE = 'cursor_key';

/**
 * A list's `nextCursor`, sealed: the position it names plus an HMAC with a key only this
 * service's database holds. A cursor a client changed (a bigger number, another id) is a 400
 * before anything reads it, never a query that fails on a value no page ever had.
 */
export class CursorSeal {
  /** A KeyObject, not the bytes: Node 24 takes bytes as a key through a thrown and caught error. */
  private readonly key: KeyObject;

  constructor(key: Buffer) {
    this.key = createSecretKey(key);
  }

  seal(position: string): string {
    return `${Buffer.from(position, 'utf8').toString('base64url')}.${this.mac(position)}`;
  }

  /** The position a cursor of this service names; 400 VALIDATION_FAILED for anything else. */
  open(cursor: string): string {
    const [body, mac, ...rest] = cursor.split('.');
    if (body && mac && rest.length === 0) {
      const position = Buffer.from(body, 'base64url').toString('utf8');
      const expected = Buffer.from(this.mac(position));
      const given = Buffer.from(mac);
      if (given.length === expected.length && timingSafeEqual(given, expected)) return position;
    }
    throw AppError.validation('query.cursor: not a cursor this service issued');
  }

  private mac(position: string): string {
    // 128 bits of the HMAC: a forgery is a guess with odds of 2^-128.
    return createHmac('sha256', this.key).update(position).digest('base64url').slice(0, 22);
  }
}

/**
 * The service's cursor key, made once by the database itself at migration (no configuration, no
 * default secret) and shared by every instance through it. `rotateCursorKey` replaces it: the
 * cursors out then are refused once (a client starts its list again).
 */
export async function loadCursorSeal(db: Database): Promise<CursorSeal> {
  const [row] = await db.query<{ key: Buffer }>(`select key from ${TABLE}`);
  if (!row) throw new Error(`${TABLE} is empty: the migrations have not run`);
  return new CursorSeal(row.key);
}

const RANDOM_KEY = `uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())`;

/** The migration that makes a service's cursor key (32 bytes, 244 of them random bits). */
export async function createCursorKey(knex: Knex): Promise<void> {
  await knex.raw(`create table ${TABLE} (
    id smallint primary key default 1 check (id = 1),
    key bytea not null default (${RANDOM_KEY})
  )`);
  await knex.raw(`insert into ${TABLE} default values`);
}

export async function dropCursorKey(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists(TABLE);
}

/** A new key: every cursor handed out before is refused from the next start of each instance. */
export async function rotateCursorKey(knex: Knex): Promise<void> {
  await knex.raw(`update ${TABLE} set key = ${RANDOM_KEY}`);
}
