import { telemetry } from './telemetry'; // first: it instruments what the rest loads
import { runMain } from '@ticketing/platform/wiring';
import { loadServiceConfig } from './config';
import { start } from './start';

runMain('payment', async () => start(loadServiceConfig()), telemetry);
