import { runMigrationsMain } from '@ticketing/platform';
import { migrations } from '../migrations';

runMigrationsMain('concert', migrations);
