import { generatePassKeys } from '@ticketing/queue-pass';
import { Database } from '@ticketing/platform';
import { createDb, createLogger, migrate, runMain } from '@ticketing/platform/wiring';
import { migrations } from '../migrations';
import { loadServiceConfig } from './config';
import { seedDemoCatalog } from './domain/demo-catalog';
import { catalogIn } from './start';

/** `npm run seed -w services/concert`: the demo catalog, published through the outbox. */
runMain('concert-seed', async () => {
  // The seed checks no pass: any public key satisfies the configuration.
  const config = loadServiceConfig({
    QUEUE_PASS_PUBLIC_KEYS: generatePassKeys().publicKeys,
    ...process.env,
  });
  const logger = createLogger({ service: 'concert-seed', level: config.LOG_LEVEL });
  const db = createDb({ url: config.DATABASE_URL, applicationName: 'concert-seed' });
  await migrate(db, migrations);
  const created = await seedDemoCatalog(new Database(db), catalogIn);
  logger.info(created, created.schedules ? 'demo catalog seeded' : 'demo catalog already present');
  await db.destroy();
  process.exit(0);
});
