import { runMigrationsMain } from '@ticketing/platform/wiring';
import { migrations } from '../migrations';

runMigrationsMain('queue', migrations);
