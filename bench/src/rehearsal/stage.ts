import fs from 'node:fs';
import path from 'node:path';
import { generateIdentityProofKey } from '@ticketing/auth';
import { SERVICE_NAMES, SERVICES, type ServiceName } from '@ticketing/contracts';
import {
  INFRA_DIR,
  ProductionShape,
  freePort,
  infraUp,
  settingsFromEnv,
  startOwnOidcProvider,
} from '@ticketing/infra';
import {
  launchSystem,
  type LaunchedSystem,
  type LineSink,
  type NodeProgram,
} from '@ticketing/launcher';
import { dropDatabase, ensureDatabase, withDatabase } from '@ticketing/platform/wiring';
import { generatePassKeys } from '@ticketing/queue-pass';
import { pidsMatching } from '../cpu';
import { benchNodeArgs, toBenchStderr } from '../processes';
import { uniqueStamp } from '../stamps';
import { benchTopics } from '../topics';

export interface StageOptions {
  shape: 'production' | 'single';
  instances: number;
  /** Settings every service gets on top of the stage's own (admission rate, hold time…). */
  env: Record<string, string>;
  /** Node's flags for every service and gateway, beside BENCH_NODE_ARGS. */
  nodeArgs?: string[];
  /** Every line the services and gateways log (warnings and errors), each with its process. */
  logFile: string;
  /** Aborted (an operator's Ctrl-C): the start stops after the step under way and undoes it all. */
  signal?: AbortSignal;
  say(line: string): void;
}

/**
 * The services' logs kept in `file` (what a fault did to them is read there afterwards), their
 * stderr echoed as the bench echoes it; the file is closed with the stage.
 */
function logsTo(file: string, undo: (() => Promise<void>)[]): LineSink {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const out = fs.createWriteStream(file, { flags: 'a' });
  undo.push(() => new Promise<void>((resolve) => out.end(() => resolve())));
  return (label, line, stream) => {
    out.write(`${label} ${line}\n`);
    toBenchStderr(label, line, stream);
  };
}

/** Everything a rehearsal runs on: the infrastructure, the system, and how to reach each part. */
export interface Stage {
  shape: StageOptions['shape'];
  /** The first gateway instance (the operator's calls). */
  gatewayUrl: string;
  /** Every gateway instance: the fans are spread over them. */
  gatewayUrls: string[];
  system: LaunchedSystem;
  /** The production shape, when the rehearsal runs on it (its faults are injected through it). */
  production?: ProductionShape;
  kafkaBrokers: string[];
  redisUrl: string;
  keyPrefix: string;
  topicPrefix: string;
  /** Each service's database. */
  databases: Record<ServiceName, string>;
  identityProvider: { issuer: string; keysFile: string };
  /** Each consumer group (one per service that consumes). */
  consumerGroups(): string[];
  /** Every process by the name the report gives it, for CPU, memory and descriptors. */
  processes(): Record<string, number[]>;
  /** Every Node process of the system (services, gateways) by the same name: its base URL. */
  nodeUrls(): Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts the infrastructure (the production shape on this machine, or the single node `npm
 * run infra:up` runs), the run's own identity provider, and the whole system through the one
 * launcher, on databases, topics and a Redis prefix of the run's own; `stop` removes them.
 */
export async function startStage(options: StageOptions): Promise<Stage> {
  const stamp = uniqueStamp();
  const undo: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of undo.reverse()) await step().catch(() => undefined);
  };
  try {
    let production: ProductionShape | undefined;
    let infra: { databaseUrl: string; kafkaBrokers: string[]; redisUrl: string };
    if (options.shape === 'production') {
      options.say('starting the production shape: three brokers, a Postgres pair, Redis Cluster');
      production = await ProductionShape.start(path.join(INFRA_DIR, `rehearsal-${stamp}`), {
        kafka: await freePort(6),
        postgresRw: await freePort(),
        postgres: [await freePort(), await freePort()],
        redis: await freePort(6),
      });
      const shape = production;
      undo.push(() => shape.destroy());
      // Its own process: in this one, the crowd's load would starve its checks and promotions.
      shape.startOperatorProcess();
      options.signal?.throwIfAborted();
      infra = {
        databaseUrl: shape.databaseUrl,
        kafkaBrokers: shape.kafkaBrokers,
        redisUrl: shape.redisUrl,
      };
    } else {
      const settings = settingsFromEnv();
      await infraUp(settings, { oidc: false });
      infra = settings;
    }
    const identityProvider = await startOwnOidcProvider('rehearsal');
    undo.push(() => identityProvider.stop());
    options.signal?.throwIfAborted();
    const topics = await benchTopics(infra.kafkaBrokers, stamp);
    undo.push(() => topics.remove());
    const databases = {} as Record<ServiceName, string>;
    for (const name of SERVICE_NAMES) {
      databases[name] = withDatabase(infra.databaseUrl, `rehearsal_${name}_${stamp}`);
      await ensureDatabase(databases[name]);
      const url = databases[name];
      undo.push(() => dropDatabase(url));
    }
    const keyPrefix = `rehearsal-${stamp}:`;
    const passKeys = generatePassKeys();
    options.say(`starting ${options.instances} instance(s) of every service and of the gateway`);
    const system = await launchSystem({
      instances: options.instances,
      ports: 'free',
      inheritEnv: true,
      nodeArgs: [...benchNodeArgs(), ...(options.nodeArgs ?? [])],
      sink: logsTo(options.logFile, undo),
      env: {
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        REDIS_URL: infra.redisUrl,
        REDIS_KEY_PREFIX: keyPrefix,
        KAFKA_BROKERS: infra.kafkaBrokers.join(','),
        KAFKA_TOPIC_PREFIX: topics.ns.prefix,
        OIDC_ISSUER_URL: identityProvider.issuer,
        QUEUE_PASS_SIGNING_KEY: passKeys.signingKey,
        QUEUE_PASS_PUBLIC_KEYS: passKeys.publicKeys,
        IDENTITY_PROOF_KEY: generateIdentityProofKey(),
        ...options.env,
      },
      instanceEnv: (name) => ({
        DATABASE_URL: databases[name],
        KAFKA_CONSUMER_GROUP: `${name}-rehearsal-${stamp}`,
      }),
      gateway: {},
      // Every part twice, the gateway too: one process that every fan's call crosses would get a
      // single process's share of a busy machine's cores.
      gateways: options.instances,
    });
    undo.push(() => system.stop());
    options.signal?.throwIfAborted();
    const label = (p: NodeProgram) => p.label.replace('#', '-');
    return {
      shape: options.shape,
      gatewayUrl: system.gateway!.url,
      gatewayUrls: system.gateways.map((g) => g.url),
      system,
      production,
      kafkaBrokers: infra.kafkaBrokers,
      redisUrl: infra.redisUrl,
      keyPrefix,
      topicPrefix: topics.ns.prefix,
      databases,
      identityProvider,
      consumerGroups: () =>
        SERVICE_NAMES.filter((s) => SERVICES[s].consumes.length > 0).map(
          (s) => `${s}-rehearsal-${stamp}`,
        ),
      processes: () => ({
        ...Object.fromEntries(
          system.programs().map((p) => [label(p), p.child?.pid ? [p.child.pid] : []]),
        ),
        kafka: pidsMatching('kafka.Kafka'),
        postgres: pidsMatching('postgres'),
        redis: pidsMatching('redis-server'),
      }),
      nodeUrls: () => Object.fromEntries(system.programs().map((p) => [label(p), p.url])),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
