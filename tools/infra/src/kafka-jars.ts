import fs from 'node:fs';
import path from 'node:path';
import { onceAcrossProcesses } from './once';
import { run, which } from './proc';
import { INFRA_DIR, say } from './settings';

/** The same Kafka 4 version as deploy/k8s (Strimzi 1.2 runs 4.2.0–4.3.1) and docker-compose. */
export const KAFKA_VERSION = '4.2.0';
const POM = path.resolve(__dirname, '../kafka-pom.xml');

/**
 * Resolves the broker's jars from Maven Central once; later runs reuse the cache, and processes
 * that ask at the same time (test files starting brokers of their own) wait for the first.
 */
function ensureJars(dir: string): void {
  // The marker names what was resolved: a change of the broker or its logging resolves again.
  const marker = path.join(dir, `.resolved-${KAFKA_VERSION}-log4j2-tools`);
  if (fs.existsSync(marker)) return;
  if (!which('mvn'))
    throw new Error(
      'Apache Maven (mvn) is needed to fetch Kafka from Maven Central: apt-get install maven',
    );
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  onceAcrossProcesses(marker, `${dir}.lock`, () => {
    say(`resolving Apache Kafka ${KAFKA_VERSION} from Maven Central into ${dir}`);
    fs.rmSync(dir, { recursive: true, force: true });
    run(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        POM,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${dir}`,
        '-DincludeScope=runtime',
      ],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    fs.writeFileSync(marker, new Date().toISOString());
  });
}

/** The jars every broker of this checkout runs (resolved from Maven Central once). */
export function kafkaLibs(): string {
  const libs = path.join(INFRA_DIR, 'kafka', 'libs');
  if (!which('java'))
    throw new Error('Java 17+ is needed to run Kafka: apt-get install openjdk-17-jre-headless');
  ensureJars(libs);
  return libs;
}
