/** Where the production shape listens: Kafka's first node (then every second port), the rw address, the two instances. */
export interface ShapePorts {
  kafka: number;
  postgresRw: number;
  postgres: [number, number];
}

/** The ports `npm run infra:up -- --shape=production` (and `npm start` on it) use. */
export const PRODUCTION_SHAPE_PORTS: ShapePorts = {
  kafka: 19092,
  postgresRw: 15432,
  postgres: [15433, 15434],
};

/** The brokers of a shape whose first node listens on `basePort` (node n on base + 2(n-1)). */
export const shapeBrokers = (basePort: number, nodes = 3) =>
  Array.from({ length: nodes }, (_, i) => `127.0.0.1:${basePort + 2 * i}`);
