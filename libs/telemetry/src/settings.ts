/** What a process asks of telemetry, and what it gets back: shared by `index.ts` and `sdk.ts`. */

export interface TelemetrySettings {
  /** `service.name`, unless `OTEL_SERVICE_NAME` says otherwise. */
  service: string;
  /**
   * The program's HTTP framework makes its server spans (libs/platform's Fastify app: cheaper,
   * named by route); the HTTP instrumentation then traces outgoing calls only.
   */
  frameworkServerSpans?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface Telemetry {
  readonly enabled: boolean;
  /** Exports the spans still buffered; call it last, after the service stopped. */
  shutdown(): Promise<void>;
}
