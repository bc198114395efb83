import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as an OTLP/HTTP JSON export carries it, with its resource's service. */
export interface ReceivedSpan {
  service: string;
  instance: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER' | 'UNSPECIFIED';
  attributes: Record<string, string | number | boolean>;
  status: 'UNSET' | 'OK' | 'ERROR';
  /** Start and end, milliseconds since the epoch. */
  startMs: number;
  endMs: number;
}

const KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;
const STATUS = ['UNSET', 'OK', 'ERROR'] as const;

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind?: number;
        attributes?: KeyValue[];
        status?: { code?: number };
        startTimeUnixNano?: string | number;
        endTimeUnixNano?: string | number;
      }[];
    }[];
  }[];
}

function attributesOf(list: KeyValue[] = []): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of list) {
    const v = value.stringValue ?? value.intValue ?? value.doubleValue ?? value.boolValue;
    if (v !== undefined) out[key] = typeof v === 'string' && 'intValue' in value ? Number(v) : v;
  }
  return out;
}

/**
 * A tracing backend for tests: receives OTLP/HTTP exports in JSON (`OTEL_EXPORTER_OTLP_PROTOCOL=
 * http/json`) on `POST /v1/traces` and keeps every span. A real HTTP endpoint the services'
 * real exporters talk to; nothing of the SDK is replaced.
 */
export class OtlpReceiver {
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    /** Every span received so far, in arrival order. */
    readonly spans: ReceivedSpan[],
  ) {}

  static async start(): Promise<OtlpReceiver> {
    const spans: ReceivedSpan[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/traces') {
          res.writeHead(404).end();
          return;
        }
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExportRequest;
          for (const rs of body.resourceSpans ?? []) {
            const resource = attributesOf(rs.resource?.attributes);
            for (const ss of rs.scopeSpans ?? [])
              for (const s of ss.spans ?? [])
                spans.push({
                  service: String(resource['service.name']),
                  instance: String(resource['service.instance.id']),
                  traceId: s.traceId,
                  spanId: s.spanId,
                  ...(s.parentSpanId && { parentSpanId: s.parentSpanId }),
                  name: s.name,
                  kind: KINDS[s.kind ?? 0] ?? 'UNSPECIFIED',
                  attributes: attributesOf(s.attributes),
                  status: STATUS[s.status?.code ?? 0] ?? 'UNSET',
                  startMs: Number(BigInt(s.startTimeUnixNano ?? 0) / 1000n) / 1000,
                  endMs: Number(BigInt(s.endTimeUnixNano ?? 0) / 1000n) / 1000,
                });
          }
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch {
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new OtlpReceiver(server, `http://127.0.0.1:${port}`, spans);
  }

  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
