import { z } from 'zod';
import { captureLogs } from '@ticketing/testing';
import { AppError } from '../src/errors';
import { createHttpApp } from '../src/http/app';
import { createMetricsRegistry } from '../src/metrics';
import { TypedRoutes } from '../src/http/routes';
import { listen, type RunningServer } from '../src/http/server';

describe('http app factory', () => {
  let server: RunningServer;
  const { logger, lines } = captureLogs('http-test');

  beforeAll(async () => {
    const { app, finish } = createHttpApp({
      service: 'demo',
      logger,
      metrics: createMetricsRegistry('demo'),
      readiness: { database: async () => undefined },
    });
    const routes = new TypedRoutes(app)
      .add(
        {
          method: 'post',
          path: '/things/:thingId',
          operationId: 'makeThing',
          summary: 'make a thing',
          params: z.object({ thingId: z.coerce.number().int().positive() }),
          body: z.object({ seatNo: z.number().int().min(1).max(50) }),
          responses: {
            201: {
              description: 'made',
              schema: z.object({ thingId: z.number(), seatNo: z.number() }),
            },
          },
        },
        ({ params, body }, _req, reply) => {
          reply.code(201).send({ thingId: params.thingId, seatNo: body.seatNo });
        },
      )
      .add(
        { method: 'get', path: '/boom', operationId: 'fail', summary: 'fails', responses: {} },
        () => {
          throw new Error('secret internals');
        },
      )
      .add(
        {
          method: 'get',
          path: '/conflict',
          operationId: 'conflict',
          summary: 'conflicts',
          responses: {},
        },
        () => {
          throw AppError.conflict('SEAT_UNAVAILABLE', 'seat 7 is taken');
        },
      );
    server = await listen(finish(routes.operations), 0);
  });
  afterAll(() => server.close());

  const post = (path: string, body: string) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });

  it('when the input is valid, then the handler gets typed values', async () => {
    const res = await post('/things/12', JSON.stringify({ seatNo: 7 }));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ thingId: 12, seatNo: 7 });
    expect(res.headers.get('x-request-id')).toMatch(/[0-9a-f-]{36}/);
  });

  it.each([
    ['a seat out of range', '/things/12', '{"seatNo":51}', 'body.seatNo'],
    ['a seat of the wrong type', '/things/12', '{"seatNo":"7"}', 'body.seatNo'],
    ['a non-numeric id', '/things/abc', '{"seatNo":7}', 'path.thingId'],
    ['malformed JSON', '/things/12', '{"seatNo":', 'body'],
  ])(
    'when the request has %s, then 400 VALIDATION_FAILED names the field',
    async (_what, path, body, field) => {
      const res = await post(path, body);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await res.json()) as Record<string, unknown>;
      expect(problem).toMatchObject({
        status: 400,
        code: 'VALIDATION_FAILED',
        title: 'Bad Request',
      });
      expect(problem.detail).toContain(field);
    },
  );

  it('when the body is too large, then 413 problem+json', async () => {
    const res = await post('/things/1', JSON.stringify({ seatNo: 1, pad: 'x'.repeat(20_000) }));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it.each([
    ['broken percent-encoding', '/things/%ff', 'application/json', '{"seatNo":1}'],
    ['a segment longer than any id', `/things/${'9'.repeat(300)}`, 'application/json', '{}'],
    ['a body nobody reads', '/things/1', 'text/csv', 'a,b'],
  ])(
    'when a request has %s, then a 4xx problem+json, never a 5xx',
    async (_w, path, type, body) => {
      const res = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': type },
        body,
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await res.json()) as { code: string }).code).toMatch(/^[A-Z_]+$/);
    },
  );

  it('when a JSON content type comes with an empty body, then it is no body (400 names it)', async () => {
    const res = await post('/things/1', '');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/^body/);
  });

  it('when a handler throws an AppError, then its status and code are answered', async () => {
    const res = await fetch(`${server.url}/conflict`);
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: 'SEAT_UNAVAILABLE', detail: 'seat 7 is taken' });
  });

  it('when a handler throws something unexpected, then 500 without internals naming the trace, and the error is logged in it', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fetch(`${server.url}/boom`, {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('secret internals');
    expect(text).not.toContain('at ');
    expect(JSON.parse(text)).toMatchObject({ code: 'INTERNAL', traceId });
    expect(lines()).toContainEqual(
      expect.objectContaining({ msg: 'request failed', level: 'error', trace_id: traceId }),
    );
  });

  it('when a request is refused (4xx), then its problem names no trace', async () => {
    const res = await fetch(`${server.url}/conflict`);
    expect(await res.json()).not.toHaveProperty('traceId');
  });

  it('when a path is unknown, then 404 NOT_FOUND', async () => {
    const res = await fetch(`${server.url}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('NOT_FOUND');
  });

  it('when asked, then health, metrics and the OpenAPI document are served', async () => {
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('http_request_duration_seconds');
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    expect(doc.paths['/things/{thingId}']?.post?.requestBody).toBeDefined();
  });

  it('when a request is served, then one access-log line carries its request id', async () => {
    const res = await fetch(`${server.url}/things/1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-abc-123' },
      body: '{"seatNo":1}',
    });
    expect(res.headers.get('x-request-id')).toBe('req-abc-123');
    const access = lines().filter((l) => l.msg === 'http' && l.requestId === 'req-abc-123');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ status: 201, service: 'http-test' });
  });
});
