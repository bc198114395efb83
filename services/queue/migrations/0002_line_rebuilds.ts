import type { Knex } from '@ticketing/platform';

/**
 * How many times a line was rebuilt after its store lost it (ADR 0038). A join is answered once
 * Postgres records its number as handed out; the rebuild counter read back with that record
 * tells the join whether a rebuild may have read the line before its number was recorded (its
 * bits were then not restored, and it takes another number).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('lines', (t) => {
    t.integer('rebuilds').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('lines', (t) => {
    t.dropColumn('rebuilds');
  });
}
