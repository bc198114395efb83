import { runMigrationsMain } from '@ticketing/platform';
import { migrations } from '../migrations';

runMigrationsMain('reservation', migrations);
