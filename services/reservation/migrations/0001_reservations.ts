import type { Knex } from '@ticketing/platform';
import { createInboxTable, createOutboxTable } from '@ticketing/messaging';

export async function up(knex: Knex): Promise<void> {
  // Local replica of the concert service's schedules (from concert.events).
  await knex.schema.createTable('schedules', (t) => {
    t.integer('id').primary();
    t.integer('concert_id').notNullable();
    t.timestamp('starts_at', { useTz: true }).notNullable();
    t.timestamp('booking_opens_at', { useTz: true }).notNullable();
    t.timestamp('booking_closes_at', { useTz: true }).notNullable();
    t.integer('price').notNullable();
    t.integer('total_seats').notNullable();
    t.text('status').notNullable();
    t.integer('revision').notNullable();
  });
  await knex.schema.createTable('reservations', (t) => {
    t.uuid('id').primary();
    t.uuid('user_id').notNullable();
    t.integer('schedule_id').notNullable().references('schedules.id');
    t.smallint('seat_no').notNullable();
    t.integer('price').notNullable();
    t.text('status').notNullable();
    t.text('release_reason');
    t.timestamp('held_until', { useTz: true }).notNullable();
    t.uuid('payment_id');
    t.bigInteger('seat_version').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`
    alter table reservations add constraint reservations_status check (status in ('HELD','CONFIRMED','RELEASED'));
    alter table reservations add constraint reservations_release_reason check (
      (status = 'RELEASED') = (release_reason is not null) and release_reason in ('EXPIRED','CANCELLED'));
    alter table reservations add constraint reservations_seat check (seat_no between 1 and 50);
    -- The rules no timing can break, across any number of instances:
    create unique index reservations_live_seat on reservations (schedule_id, seat_no) where status in ('HELD','CONFIRMED');
    create unique index reservations_one_hold_per_user on reservations (user_id) where status = 'HELD';
    create index reservations_due on reservations (held_until) where status = 'HELD';
    -- Every change of a seat takes the next number: projections keep the newest.
    create sequence seat_version_seq;
  `);
  await createOutboxTable(knex);
  await createInboxTable(knex);
}
