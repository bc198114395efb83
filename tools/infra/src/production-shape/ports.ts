/** Where the production shape listens: Kafka's first node (then every second port), the rw address, the two Postgres instances, Redis. */
export interface ProductionShapePorts {
  kafka: number;
  postgresRw: number;
  postgres: [number, number];
  /** The Redis Cluster's first node; its six nodes (three primaries, three replicas) follow. */
  redis: number;
}

/** The ports `npm run infra:up -- --shape=production` (and `npm start` on it) use. */
export const PRODUCTION_SHAPE_PORTS: ProductionShapePorts = {
  kafka: 19092,
  postgresRw: 15432,
  postgres: [15433, 15434],
  redis: 17001,
};

/** A Redis Cluster of three primaries, each with a replica (ADR 0024). */
export const PRODUCTION_REDIS_NODES = 6;

/** The nodes of a shape's Redis Cluster whose first listens on `basePort`. */
export const shapeRedisPorts = (basePort: number) =>
  Array.from({ length: PRODUCTION_REDIS_NODES }, (_, i) => basePort + i);

/** The brokers of a shape whose first node listens on `basePort` (node n on base + 2(n-1)). */
export const shapeBrokers = (basePort: number, nodes = 3) =>
  Array.from({ length: nodes }, (_, i) => `127.0.0.1:${basePort + 2 * i}`);
