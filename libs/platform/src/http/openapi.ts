import { z } from 'zod';

export interface OpenApiOperation {
  method: 'get' | 'post' | 'put' | 'delete' | 'patch';
  /** express-style path, e.g. /reservations/:reservationId */
  path: string;
  summary: string;
  /** Security schemes of which any one is accepted (names in `components.securitySchemes`). */
  security?: string[];
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  headers?: Record<string, { description: string; required?: boolean }>;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
}

const toSchema = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });

const problem = {
  description: 'application/problem+json (RFC 9457) with a stable `code`',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};

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
        required: where === 'path' || json.required?.includes(name),
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

/** OpenAPI 3.1 document generated from the same zod schemas that validate requests. */
export function buildOpenApi(
  info: { title: string; version: string },
  operations: OpenApiOperation[],
  securitySchemes: Record<string, unknown> = {},
) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const path = op.path.replace(/:(\w+)/g, '{$1}');
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
    responses['4XX'] = problem;
    (paths[path] ??= {})[op.method] = {
      summary: op.summary,
      ...(op.security && { security: op.security.map((name) => ({ [name]: [] })) }),
      parameters: parameters(op),
      ...(op.body && {
        requestBody: {
          required: true,
          content: { 'application/json': { schema: toSchema(op.body, 'input') } },
        },
      }),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      securitySchemes,
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code', 'detail'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            code: { type: 'string' },
            detail: { type: 'string' },
          },
        },
      },
    },
  };
}
