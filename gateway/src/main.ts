import { telemetry } from './telemetry'; // first: it instruments what the rest loads
import { runMain } from '@ticketing/platform/process';
import { loadGatewayConfig } from './config';
import { start } from './start';

runMain('gateway', async () => start(loadGatewayConfig()), telemetry);
