import type { ServerResponse } from 'node:http';
import { AppError, activeTraceId, problemBody } from '@ticketing/platform';

/** The same problem+json the services answer with, for the gateway's own errors. */
export function sendProblem(
  res: ServerResponse,
  status: number,
  code: string,
  detail: string,
  headers: Record<string, string> = {},
) {
  if (res.headersSent) return void res.destroy();
  const body = JSON.stringify(problemBody(new AppError({ code, status, detail }), activeTraceId()));
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
