import { stopContainers } from './containers';

export default async function globalTeardown(): Promise<void> {
  if (process.env.TEST_INFRA === 'containers') {
    await stopContainers();
  }
}
