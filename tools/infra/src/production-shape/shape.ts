import fs from 'node:fs';
import path from 'node:path';
import { isAlive, spawnDetached, stopPid } from '../proc';
import { KafkaCluster, type KafkaClusterState } from './kafka-cluster';
import { placePostgresData } from '../postgres-data';
import { PostgresOperator } from './postgres-operator';
import { PostgresPair, type PostgresInstance } from './postgres-pair';
import { LocalRedis, type LocalRedisState } from '../local-redis';
import { shapeRedisPorts, type ProductionShapePorts } from './ports';
import { RwService } from './rw-service';
import { switchOver } from './switchover';

export interface ProductionShapeState {
  home: string;
  ports: ProductionShapePorts;
  kafka: KafkaClusterState;
  postgres: [PostgresInstance, PostgresInstance];
  rwServicePid: number;
  redis: LocalRedisState;
  /** The operator's own process (`startOperatorProcess`: infra:up, the rehearsal). */
  operatorPid?: number;
}

/**
 * A local stand-in for production's infrastructure (deploy/k8s is the real one), in its shape,
 * on this machine: three Kafka brokers with the manifests' replication settings, a PostgreSQL
 * primary with a synchronous streaming standby, the one `-rw` address that follows the primary,
 * the operator that fails over and switches over (ADR 0022, ADR 0023), and a Redis Cluster of
 * three primaries with a replica each (ADR 0024).
 */
export class ProductionShape {
  private constructor(
    readonly state: ProductionShapeState,
    readonly kafka: KafkaCluster,
    readonly postgres: PostgresPair,
    readonly rw: RwService,
    readonly redis: LocalRedis,
    /** Present when this process is the operator (tests, or the detached operator process). */
    readonly operator?: PostgresOperator,
  ) {}

  /**
   * Starts the whole shape under `home`. `operator: 'here'` runs the Postgres operator in this
   * process (a test drives and watches it); otherwise the caller starts one elsewhere.
   */
  static async start(
    home: string,
    ports: ProductionShapePorts,
    options: { operator?: 'here'; say?: (line: string) => void } = {},
  ): Promise<ProductionShape> {
    fs.mkdirSync(home, { recursive: true });
    // First: a place the postgres user cannot reach stops the shape before anything starts.
    const postgresHome = placePostgresData(path.join(home, 'postgres'));
    // Redis keeps nothing across a restart (as the managed one's memory): made afresh each time.
    fs.rmSync(path.join(home, 'redis'), { recursive: true, force: true });
    const parts = await Promise.allSettled([
      KafkaCluster.start(path.join(home, 'kafka'), ports.kafka),
      PostgresPair.create(postgresHome, ports.postgres),
      LocalRedis.start({
        dir: path.join(home, 'redis'),
        ports: shapeRedisPorts(ports.redis),
        cluster: {}, // production's shape and failure detection: the defaults
      }),
    ]);
    const failed = parts.find((p) => p.status === 'rejected');
    if (failed) {
      // What did start goes too: a second `up` must not meet it on its ports.
      const [k, p, r] = parts.map((p) => (p.status === 'fulfilled' ? p.value : undefined));
      await (k as KafkaCluster | undefined)?.destroy();
      (p as PostgresPair | undefined)?.destroy();
      await (r as LocalRedis | undefined)?.destroy();
      throw failed.reason;
    }
    const [kafka, postgres, redis] = parts.map(
      (p) => (p as PromiseFulfilledResult<unknown>).value,
    ) as [KafkaCluster, PostgresPair, LocalRedis];
    const rw = await RwService.start(
      path.join(home, 'rw-service'),
      ports.postgresRw,
      postgres.instances,
    ).catch(async (err: unknown) => {
      await kafka.destroy();
      postgres.destroy();
      await redis.destroy();
      throw err;
    });
    const operator =
      options.operator === 'here' ? new PostgresOperator(postgres, options.say).start() : undefined;
    const state: ProductionShapeState = {
      home,
      ports,
      kafka: kafka.state,
      postgres: postgres.instances,
      rwServicePid: rw.processId,
      redis: redis.state,
    };
    return new ProductionShape(state, kafka, postgres, rw, redis, operator);
  }

  /**
   * Starts the Postgres operator as a process of its own, as a platform's operator runs beside
   * the database rather than inside one of its clients: a busy client (the rehearsal's crowd of
   * fans) would delay its checks and time out its promotions. Its pid is kept in the state, so
   * `stop` ends it; its lines go to `operator.log` in the shape's home.
   */
  startOperatorProcess(): number {
    const shapeFile = path.join(this.state.home, 'shape.json');
    fs.writeFileSync(shapeFile, JSON.stringify(this.state, null, 2));
    this.state.operatorPid = spawnDetached(
      process.execPath,
      [path.join(__dirname, 'operator-main.js'), shapeFile],
      this.operatorLog,
    );
    return this.state.operatorPid;
  }

  get operatorLog(): string {
    return path.join(this.state.home, 'operator.log');
  }

  /** A planned switchover by the shape's operator, here or in its own process; resolves once over. */
  async switchover(): Promise<void> {
    if (this.operator) return this.operator.switchover();
    const pid = this.state.operatorPid;
    if (pid === undefined || !isAlive(pid)) throw new Error('no operator runs for this shape');
    await switchOver(this.postgres, pid, this.operatorLog);
  }

  /** The shape a persisted state describes (started by another process). */
  static attach(state: ProductionShapeState): ProductionShape {
    const postgres = new PostgresPair(state.postgres);
    return new ProductionShape(
      state,
      KafkaCluster.attach(state.kafka),
      postgres,
      RwService.attach(state.ports.postgresRw, state.rwServicePid),
      LocalRedis.attach(state.redis),
    );
  }

  /** The server URL every service's database lives on (through the rw address). */
  get databaseUrl(): string {
    return this.rw.url();
  }

  get kafkaBrokers(): string[] {
    return this.kafka.brokers;
  }

  /** REDIS_URL: every node of the cluster. */
  get redisUrl(): string {
    return this.redis.url;
  }

  async stop(): Promise<void> {
    await this.operator?.stop();
    if (this.state.operatorPid && isAlive(this.state.operatorPid))
      await stopPid(this.state.operatorPid);
    await this.rw.stop();
    await this.redis.stop();
    await Promise.all(this.kafka.nodeIds().map((n) => this.kafka.stop(n)));
    for (const instance of this.postgres.instances) {
      try {
        this.postgres.stopFast(instance);
      } catch {
        this.postgres.kill(instance);
      }
    }
  }

  /** Stops everything and removes its data (the Postgres pair's too, wherever it was placed). */
  async destroy(): Promise<void> {
    await this.stop();
    fs.rmSync(this.postgres.home, { recursive: true, force: true });
    fs.rmSync(this.state.home, { recursive: true, force: true });
  }
}
