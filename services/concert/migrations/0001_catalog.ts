import type { Knex } from '@ticketing/platform';
import { createInboxTable, createOutboxTable } from '@ticketing/messaging';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('concerts', (t) => {
    t.increments('id').primary();
    t.text('title').notNullable();
    t.text('artist').notNullable();
    t.text('venue').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['title', 'venue']); // seeding twice creates nothing twice
  });
  await knex.schema.createTable('schedules', (t) => {
    t.increments('id').primary();
    t.integer('concert_id').notNullable().references('concerts.id');
    t.timestamp('starts_at', { useTz: true }).notNullable();
    t.timestamp('booking_opens_at', { useTz: true }).notNullable();
    t.timestamp('booking_closes_at', { useTz: true }).notNullable();
    t.integer('price').notNullable();
    t.integer('total_seats').notNullable().defaultTo(50);
    t.text('status').notNullable().defaultTo('OPEN');
    t.integer('revision').notNullable().defaultTo(1);
    t.unique(['concert_id', 'starts_at']);
    t.index(['concert_id', 'starts_at']);
  });
  await knex.raw(
    `alter table schedules add constraint schedules_status check (status in ('OPEN','CLOSED','CANCELLED'))`,
  );
  await knex.raw(`alter table schedules add constraint schedules_price check (price >= 0)`);
  await knex.raw(
    `alter table schedules add constraint schedules_window check (booking_opens_at <= booking_closes_at and booking_closes_at <= starts_at)`,
  );
  // The seat-status projection: one row per seat, the newest seat version wins.
  await knex.schema.createTable('seats', (t) => {
    t.integer('schedule_id').notNullable().references('schedules.id');
    t.smallint('seat_no').notNullable();
    t.text('status').notNullable().defaultTo('AVAILABLE');
    t.bigInteger('version').notNullable().defaultTo(0);
    t.uuid('reservation_id');
    t.primary(['schedule_id', 'seat_no']);
  });
  await knex.raw(
    `alter table seats add constraint seats_status check (status in ('AVAILABLE','HELD','RESERVED'))`,
  );
  await knex.raw(`alter table seats add constraint seats_range check (seat_no between 1 and 50)`);
  await knex.raw(`create index seats_available on seats (schedule_id) where status = 'AVAILABLE'`);
  await createOutboxTable(knex);
  await createInboxTable(knex);
}
