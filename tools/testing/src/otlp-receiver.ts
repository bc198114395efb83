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
 * A tracing backend for tests and the bench: receives OTLP/HTTP exports on `POST /v1/traces`,
 * counts every request and byte, and keeps every span of a JSON export
 * (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`); a protobuf export is only counted. A real HTTP
 * endpoint the services' real exporters talk to; nothing of the SDK is replaced.
 */
export class OtlpReceiver {
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    /** Every span received so far, in arrival order (JSON exports). */
    readonly spans: ReceivedSpan[],
    /** Every export received so far, JSON or protobuf. */
    readonly received: { requests: number; bytes: number },
  ) {}

  static async start(): Promise<OtlpReceiver> {
    const spans: ReceivedSpan[] = [];
    const received = { requests: 0, bytes: 0 };
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/traces') {
          res.writeHead(404).end();
          return;
        }
        received.requests += 1;
        received.bytes += chunks.reduce((n, c) => n + c.length, 0);
        if (!(req.headers['content-type'] ?? '').includes('json')) {
          res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
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
    return new OtlpReceiver(server, `http://127.0.0.1:${port}`, spans, received);
  }

  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
