import type autocannon from 'autocannon';
import type { settingsFromEnv } from '@ticketing/infra';
import type { LoadResult } from './load';

/** What every scenario gets from the run: its settings, its infrastructure and the ceilings. */
export interface BenchContext {
  smoke: boolean;
  /**
   * Connections in each service's pool, and pgbench's clients against it: 20, or 3 in smoke
   * mode, which runs inside `npm test` beside other test files within Postgres's 100.
   */
  poolSize: number;
  /** INSTANCES: how many processes of each service (and of each ceiling server) a scenario runs. */
  instances: number;
  /** Duration of one measured run. */
  seconds: number;
  infra: ReturnType<typeof settingsFromEnv>;
  /** The run's own OpenID provider: the services trust it, the bench signs fans' tokens with its key. */
  identityProvider: { issuer: string; keysFile: string };
  serviceEnv: Record<string, string>;
  /**
   * What every queue process of the run adds to `serviceEnv`: the run's own queue database (its
   * lines' durable half, ADR 0024), dropped when the run ends.
   */
  queueEnv: Record<string, string>;
  ceilings: {
    expressGet(): Promise<LoadResult>;
    expressPost(): Promise<LoadResult>;
    bareGet(): Promise<LoadResult>;
    /** The services' own framework answering the same requests (ADR 0009). */
    fastifyGet(): Promise<LoadResult>;
    fastifyPost(): Promise<LoadResult>;
    /** express answering a fixed number of POSTs over many connections, like a storm. */
    expressStorm(connections: number, amount: number): Promise<LoadResult>;
    /**
     * express doing a join's and a poll's cryptography and nothing else (servers/express-issuer):
     * `request` as the scenario sends it to the queue, at 100 connections for the run's seconds.
     */
    expressIssuer(label: string, request: autocannon.Request): Promise<LoadResult>;
  };
}
