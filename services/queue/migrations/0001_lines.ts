import type { Knex } from '@ticketing/platform';

/**
 * What of a concert's line must survive its Redis (ADR 0024): the line itself (its epoch, the
 * numbers reserved for it and those known to be handed out, the head as last recorded) and every
 * head move, as the audit stream records it, with until when its fans are active.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('lines', (t) => {
    t.integer('concert_id').primary();
    t.integer('epoch').notNullable();
    /** No number above it was handed out: a line rebuilt after a loss hands out numbers after it. */
    t.bigInteger('reserved').notNullable().defaultTo(0);
    /** Every number up to it was handed out (fans presumed in line after a loss). */
    t.bigInteger('issued').notNullable().defaultTo(0);
    /** Every number up to it has had its turn (as of the last admission recorded). */
    t.bigInteger('head').notNullable().defaultTo(0);
    t.timestamp('opened_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('admissions', (t) => {
    t.integer('concert_id').notNullable();
    t.integer('epoch').notNullable();
    t.bigInteger('from_number').notNullable();
    t.bigInteger('to_number').notNullable();
    t.integer('admitted').notNullable();
    /** Numbers skipped as idle, and numbers that were gone, as ranges ("1-5,7"). */
    t.text('idle').notNullable();
    t.text('gone').notNullable();
    /** Redis' clock (ms), as the admitted range carries it. */
    t.bigInteger('active_until_ms').notNullable();
    t.bigInteger('at_ms').notNullable();
    t.primary(['concert_id', 'epoch', 'from_number']);
    t.index(['concert_id', 'epoch', 'active_until_ms']);
    t.index(['at_ms']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('admissions');
  await knex.schema.dropTable('lines');
}
