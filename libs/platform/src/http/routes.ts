import type { Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import { AppError } from '../errors';
import type { OpenApiOperation } from './openapi';

type Infer<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface RouteSpec<P, Q, B> extends Omit<OpenApiOperation, 'params' | 'query' | 'body'> {
  params?: P;
  query?: Q;
  body?: B;
  /** Middleware run before validation (e.g. the queue-token check). */
  before?: RequestHandler[];
}

export type RouteHandler<P, Q, B> = (
  input: { params: Infer<P>; query: Infer<Q>; body: Infer<B> },
  req: Request,
  res: Response,
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
 * and whose specs feed /openapi.json, so the docs cannot drift from the validation.
 */
export class TypedRoutes {
  readonly operations: OpenApiOperation[] = [];

  constructor(private readonly router: Router) {}

  add<
    P extends z.ZodType | undefined,
    Q extends z.ZodType | undefined,
    B extends z.ZodType | undefined,
  >(spec: RouteSpec<P, Q, B>, handler: RouteHandler<P, Q, B>): this {
    const { before = [], ...operation } = spec;
    this.operations.push(operation as OpenApiOperation);
    this.router[spec.method](spec.path, ...before, async (req: Request, res: Response) => {
      const input = {
        params: parse('path', spec.params, req.params),
        query: parse('query', spec.query, req.query),
        body: parse('body', spec.body, req.body),
      } as { params: Infer<P>; query: Infer<Q>; body: Infer<B> };
      await handler(input, req, res);
    });
    return this;
  }
}
