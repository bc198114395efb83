import { Writable } from 'node:stream';
import { type Logger } from '@ticketing/platform';
import { createLogger } from '@ticketing/platform/wiring';

/** A real logger whose JSON lines the test can read back. */
export function captureLogs(service = 'test'): {
  logger: Logger;
  lines: () => Record<string, unknown>[];
} {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({
    service,
    level: process.env.TEST_LOG_LEVEL ?? 'debug',
    destination,
  });
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
