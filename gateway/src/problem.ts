import type { ServerResponse } from 'node:http';
import type { ProblemCode } from '@ticketing/contracts';
import { AppError, activeTraceId, problemBody } from '@ticketing/platform';

/** The same problem+json the services answer with, for the gateway's own errors. */
export function sendProblem(
  res: ServerResponse,
  code: ProblemCode,
  detail: string,
  headers: Record<string, string> = {},
) {
  if (res.headersSent) return void res.destroy();
  const problem = new AppError({ code, detail });
  const body = JSON.stringify(problemBody(problem, activeTraceId()));
  res.writeHead(problem.status, {
    ...headers,
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
