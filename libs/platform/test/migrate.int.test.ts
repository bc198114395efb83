import { createTestDatabase } from '@ticketing/testing';
import { createDb, migrate, type Knex } from '../src/postgres';

describe('migrate', () => {
  it('when several instances migrate a fresh database at the same moment, then every one succeeds and each migration runs once', async () => {
    const database = await createTestDatabase('migrate');
    const runs: string[] = [];
    const migrations = {
      '0001_things': {
        up: async (knex: Knex) => {
          runs.push('0001');
          await knex.schema.createTable('things', (t) => t.increments('id'));
        },
      },
      '0002_more': {
        up: async (knex: Knex) => {
          runs.push('0002');
          await knex.schema.alterTable('things', (t) => t.text('name'));
        },
      },
    };
    // One connection each, like a service with DB_POOL_MAX=1.
    const instances = Array.from({ length: 4 }, (_, i) =>
      createDb({ url: database.url, applicationName: `instance-${i}`, poolMax: 1 }),
    );
    try {
      const applied = await Promise.all(instances.map((db) => migrate(db, migrations)));
      expect(applied.flat().sort()).toEqual(['0001_things', '0002_more']);
      expect(runs).toEqual(['0001', '0002']);
      const columns = await instances[0]!('things').columnInfo();
      expect(Object.keys(columns).sort()).toEqual(['id', 'name']);
    } finally {
      await Promise.all(instances.map((db) => db.destroy()));
      await database.drop();
    }
  });
});
