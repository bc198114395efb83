import type { ProblemCode } from '@ticketing/contracts';
import { z } from 'zod';
import { PROBLEM_SCHEMA, problemResponses } from './openapi-problems';

export interface OpenApiOperation {
  method: 'get' | 'post' | 'put' | 'delete' | 'patch';
  /** express-style path, e.g. /reservations/:reservationId */
  path: string;
  /**
   * The operation's name for good: clients generated from a document call it by this, so it
   * stays when the summary or the path's wording changes.
   */
  operationId: string;
  summary: string;
  /** Security schemes of which any one is accepted (names in `components.securitySchemes`). */
  security?: string[];
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  headers?: Record<string, { description: string; required?: boolean }>;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  /**
   * The refusals the handler decides itself: ownership and admission (403), existence (404),
   * state (409, 422). What the declaration implies is added by `problemsOf`.
   */
  errors?: ProblemCode[];
}

/**
 * Every problem an operation may answer with: its handler's own, and those its declaration
 * implies. Input → 400 (a path of the wrong shape too); a credential → 401 missing or invalid;
 * a body → 413 and 415; and any operation 503 while a dependency is down.
 */
export function problemsOf(op: OpenApiOperation): ProblemCode[] {
  return [
    ...(op.params || op.query || op.body ? (['VALIDATION_FAILED'] as const) : []),
    ...(op.security?.length ? (['TOKEN_MISSING', 'TOKEN_INVALID'] as const) : []),
    ...(op.body ? (['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'] as const) : []),
    ...(op.errors ?? []),
    'SERVICE_UNAVAILABLE',
  ];
}

const toSchema = (schema: z.ZodType, io: 'input' | 'output') => {
  // Each schema sits inside the document, which already says its dialect (OpenAPI 3.1).
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  });
  return json;
};

/** The express-style path as OpenAPI writes it: `/reservations/{reservationId}`. */
export const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

function parameters(op: OpenApiOperation) {
  const out: unknown[] = [];
  for (const [where, schema] of [
    ['path', op.params],
    ['query', op.query],
  ] as const) {
    if (!schema) continue;
    const json = toSchema(schema, 'input') as {
      properties?: Record<string, unknown>;
      required?: string[];
    };
    for (const [name, s] of Object.entries(json.properties ?? {})) {
      out.push({
        name,
        in: where,
        required: where === 'path' || (json.required?.includes(name) ?? false),
        schema: s,
      });
    }
  }
  for (const [name, h] of Object.entries(op.headers ?? {})) {
    out.push({
      name,
      in: 'header',
      required: h.required ?? false,
      description: h.description,
      schema: { type: 'string' },
    });
  }
  return out;
}

/**
 * An operation as OpenAPI 3.1 writes it, from the same zod schemas that validate its requests:
 * its answers, then every problem it may answer with (`problemsOf`, and `moreProblems`: what
 * stands in front of the service, like a gateway, adds).
 */
export function operationObject(
  op: OpenApiOperation,
  more: { tags?: string[]; moreProblems?: ProblemCode[] } = {},
) {
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(op.responses)) {
    responses[status] = r.schema
      ? {
          description: r.description,
          content: {
            [r.contentType ?? 'application/json']: { schema: toSchema(r.schema, 'output') },
          },
        }
      : { description: r.description };
  }
  const params = parameters(op);
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(more.tags && { tags: more.tags }),
    // No scheme: a call anyone may make (an empty list says so, rather than leaving it unsaid).
    security: (op.security ?? []).map((name) => ({ [name]: [] })),
    ...(params.length > 0 && { parameters: params }),
    ...(op.body && {
      requestBody: {
        required: true,
        content: { 'application/json': { schema: toSchema(op.body, 'input') } },
      },
    }),
    responses: {
      ...responses,
      ...problemResponses([...problemsOf(op), ...(more.moreProblems ?? [])]),
    },
  };
}

/** The schemas every document's problem responses refer to. */
export const PROBLEM_COMPONENTS = { Problem: PROBLEM_SCHEMA };

/** A service's own OpenAPI 3.1 document (its `/openapi.json`), every route it serves. */
export function buildOpenApi(
  info: { title: string; version: string },
  operations: OpenApiOperation[],
  securitySchemes: Record<string, unknown> = {},
) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations)
    (paths[openApiPath(op.path)] ??= {})[op.method] = operationObject(op);
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: { securitySchemes, schemas: PROBLEM_COMPONENTS },
  };
}
