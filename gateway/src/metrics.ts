import { Counter, Histogram, type Registry } from 'prom-client';

/** The gateway's own figures: requests by service and status, time to the response headers. */
export function gatewayMetrics(registry: Registry) {
  return {
    requests: new Counter({
      name: 'gateway_requests_total',
      help: 'Requests through the gateway by service and status',
      labelNames: ['service', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'gateway_request_duration_seconds',
      help: 'Time to the response headers, by service',
      labelNames: ['service'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}

export type GatewayMetrics = ReturnType<typeof gatewayMetrics>;
