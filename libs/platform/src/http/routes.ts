import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { runWithContext } from '../context';
import { withServerSpan } from '../trace';
import { AppError } from '../errors';
import type { OpenApiOperation } from './openapi';

type Infer<T> = T extends z.ZodType ? z.output<T> : undefined;

/**
 * Who may call a route: `authenticate` answers 401 for a missing or bad credential and returns
 * the caller; `schemes` names the OpenAPI security schemes it accepts (any one of them).
 */
export interface Authenticator<C> {
  schemes: string[];
  /** `query`: the request's query string, parsed (a credential a browser can only put there). */
  authenticate(headers: IncomingHttpHeaders, query?: unknown): Promise<C>;
}

export interface RouteSpec<P, Q, B, C> extends Omit<
  OpenApiOperation,
  'params' | 'query' | 'body' | 'security'
> {
  params?: P;
  query?: Q;
  body?: B;
  auth?: Authenticator<C>;
}

export type RouteHandler<P, Q, B, C> = (
  input: { params: Infer<P>; query: Infer<Q>; body: Infer<B>; caller: C },
  req: FastifyRequest,
  reply: FastifyReply,
) => Promise<unknown> | unknown;

function describeIssues(where: string, error: z.ZodError): AppError {
  const fields = error.issues.map((issue) => ({
    field: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const detail = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
  return AppError.validation(detail, { errors: fields });
}

function parse<T extends z.ZodType | undefined>(
  where: string,
  schema: T,
  value: unknown,
): Infer<T> {
  if (!schema) return undefined as Infer<T>;
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw describeIssues(where, result.error);
  return result.data as Infer<T>;
}

/**
 * Declares routes whose inputs are validated by zod (400 VALIDATION_FAILED naming the field)
 * and whose specs feed /openapi.json, so the docs cannot drift from the validation. The checks
 * run in API.md's order: the credential (401), then the input's shape (400), then the handler,
 * which decides ownership and admission (403), existence (404) and state (409).
 */
export class TypedRoutes {
  readonly operations: OpenApiOperation[] = [];

  constructor(private readonly app: FastifyInstance) {}

  add<
    P extends z.ZodType | undefined,
    Q extends z.ZodType | undefined,
    B extends z.ZodType | undefined,
    C = undefined,
  >(spec: RouteSpec<P, Q, B, C>, handler: RouteHandler<P, Q, B, C>): this {
    const { auth, ...operation } = spec;
    this.operations.push({ ...operation, security: auth?.schemes } as OpenApiOperation);
    this.app.route({
      method: spec.method.toUpperCase() as 'GET',
      url: spec.path,
      // Log lines and outgoing messages of the handler carry the request's context.
      handler: (req, reply) =>
        withServerSpan(req.serverSpan, () => runWithContext(req.context, () => run(req, reply))),
    });
    const run = async (req: FastifyRequest, reply: FastifyReply) => {
      const caller = (auth ? await auth.authenticate(req.headers, req.query) : undefined) as C;
      const input = {
        params: parse('path', spec.params, req.params),
        query: parse('query', spec.query, req.query),
        body: parse('body', spec.body, req.body),
        caller,
      } as { params: Infer<P>; query: Infer<Q>; body: Infer<B>; caller: C };
      await handler(input, req, reply);
      return reply;
    };
    return this;
  }
}

/** A request header's value (the first, if it came several times). */
export function headerOf(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
