import fs from 'node:fs';
import path from 'node:path';
import { PROBLEMS, SERVICE_NAMES, isProblemCode } from '@ticketing/contracts';
import { publicApiDocument } from '../src/api-document';
import { SERVICE_ROUTES } from './service-routes';

/**
 * The public API's document (libs/contracts/openapi.json, served by the gateway at
 * /docs/openapi.json) is generated from the services' route declarations: `npm run openapi`
 * writes it, and here it must be what the code says today. The gateway's own test holds what it
 * serves to API.md and to redocly's rules (api-document.int).
 */
const FILE = path.resolve(__dirname, '../../libs/contracts/openapi.json');
const VERSION = (
  JSON.parse(fs.readFileSync(path.resolve(__dirname, '../package.json'), 'utf8')) as {
    version: string;
  }
).version;
const document = publicApiDocument(SERVICE_ROUTES, VERSION);
const generated = `${JSON.stringify(document, null, 2)}\n`;

type Operation = {
  operationId: string;
  tags: string[];
  security: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
};
const operations = () =>
  Object.entries(document.paths).flatMap(([p, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path: p, method, op: op as Operation })),
  );

describe('the public API document', () => {
  if (process.env.OPENAPI_WRITE === '1') {
    it('when asked to, then it is written', () => {
      fs.writeFileSync(FILE, generated);
    });
    return;
  }

  it('when a route declaration changed, then the committed document was regenerated (npm run openapi)', () => {
    const committed = fs.existsSync(FILE) ? fs.readFileSync(FILE, 'utf8') : '(missing)';
    // The message says what to do; the comparison says what differs.
    if (committed !== generated)
      throw new Error(
        'libs/contracts/openapi.json is not what the route declarations say: run npm run openapi and commit it',
      );
  });

  it('when a service declares a path the gateway does not route (/internal/…), then the document leaves it out', () => {
    const declared = Object.values(SERVICE_ROUTES).flatMap((ops) => ops.map((op) => op.path));
    expect(declared).toContain('/internal/concerts/:concertId/sales');
    expect(Object.keys(document.paths).filter((p) => p.startsWith('/internal'))).toEqual([]);
  });

  it('when the operations are listed, then each has its own operationId and its service as its one tag', () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path: p, op } of operations()) {
      expect({ p, tags: op.tags }).toEqual({ p, tags: [expect.stringMatching(/./)] });
      expect(SERVICE_NAMES).toContain(op.tags[0]);
    }
    expect(document.tags.map((t) => t.name)).toEqual(SERVICE_NAMES);
  });

  it('when an operation takes a credential, then it names its schemes; the catalog names none', () => {
    const schemes = Object.keys(document.components.securitySchemes);
    for (const { op } of operations())
      for (const requirement of op.security)
        for (const name of Object.keys(requirement)) expect(schemes).toContain(name);
    const security = (p: string, m: string) =>
      (document.paths[p]![m] as Operation).security.flatMap((r) => Object.keys(r));
    expect(security('/concerts', 'get')).toEqual([]);
    expect(security('/queue/tokens', 'post')).toEqual(['identity']);
    expect(security('/reservations', 'post')).toEqual(['queuePass']);
    expect(security('/payments/{paymentId}', 'get')).toEqual(['queuePass', 'identity']);
  });

  it('when an operation takes a credential or input, then it has 4xx answers (redocly.yaml leaves that rule to this test)', () => {
    const without4xx = operations()
      .filter(({ op }) => !Object.keys(op.responses).some((status) => /^4\d\d$/.test(status)))
      .map(({ path: p, method }) => `${method.toUpperCase()} ${p}`);
    // The open catalog: no credential, no input, no budget spent.
    expect(without4xx).toEqual(['GET /concerts']);
  });

  it('when an operation answers with problems, then each status lists its codes of the problems table, the gateway’s own included', () => {
    for (const { path: p, method, op } of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        const schema = response.content!['application/problem+json']!.schema as {
          allOf: [unknown, { properties: { code: { enum: string[] } } }];
        };
        for (const code of schema.allOf[1].properties.code.enum) {
          expect(isProblemCode(code)).toBe(true);
          expect({ p, method, code, status: PROBLEMS[code as keyof typeof PROBLEMS] }).toEqual({
            p,
            method,
            code,
            status: Number(status),
          });
        }
      }
    }
    const codes = (p: string, m: string, status: number) =>
      (
        (document.paths[p]![m] as Operation).responses[status]!.content![
          'application/problem+json'
        ]!.schema as { allOf: [unknown, { properties: { code: { enum: string[] } } }] }
      ).allOf[1].properties.code.enum;
    expect(codes('/reservations', 'post', 409)).toEqual(
      expect.arrayContaining(['SEAT_UNAVAILABLE', 'HOLD_LIMIT_REACHED']),
    );
    expect(codes('/reservations', 'post', 401)).toEqual(['TOKEN_MISSING', 'TOKEN_INVALID']);
    expect(codes('/reservations', 'post', 429)).toEqual(['RATE_LIMITED']);
    expect(codes('/reservations', 'post', 502)).toEqual(['UPSTREAM_UNAVAILABLE']);
    // Reads spend no budget; an event stream is never timed out.
    expect(document.paths['/concerts']!.get!).not.toHaveProperty('responses.429');
    expect(document.paths['/queue/tokens/me/events']!.get!).not.toHaveProperty('responses.504');
  });
});
