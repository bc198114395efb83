import { Cluster } from '../cluster';

/** Path segments no id has: broken percent-encoding, overlong, wrong type, traversal. */
const BAD_SEGMENTS = [
  '%ff',
  '%',
  '%C0%AE%C0%AE%2F',
  '%E0%A4%A',
  '%00',
  '..%2F..%2Fetc',
  '-1',
  '0',
  '1.5',
  '1e309',
  '99999999999999999999999',
  'abc',
  'null',
  "'%20OR%201%3D1--",
  'x'.repeat(300),
];

const BAD_BODIES = [
  '{',
  '[]',
  'null',
  '"text"',
  '{"amount":1e309,"seatNo":"7","scheduleId":-1,"reservationId":"x","concertId":{}}',
  '{"amount":9007199254740993,"seatNo":1e400,"scheduleId":99999999999999999999}',
  JSON.stringify({ userId: 'a'.repeat(300), concertId: [1] }),
];

const BAD_QUERY = '?limit=abc&cursor=%ff&available=maybe&status=NOPE&reservationId=%zz&limit=-5';

interface Operation {
  method: string;
  template: string;
}

/**
 * A bad-input probe through the gateway: every operation of the public API's document, with
 * malformed path segments, bodies and query strings, under every kind of credential. Whatever
 * arrives, the answer is a 4xx problem+json with a code: never a 5xx, never a stack trace.
 */
describe('bad input, every path of every service, through the gateway', () => {
  let cluster: Cluster;
  let operations: Operation[];
  let credentials: [string, string | undefined][];

  beforeAll(async () => {
    cluster = await Cluster.start({ instances: 1 });
    operations = [];
    const doc = (await (await fetch(`${cluster.url}/docs/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const [template, methods] of Object.entries(doc.paths))
      for (const method of Object.keys(methods))
        operations.push({ method: method.toUpperCase(), template });
    const { concertId } = await cluster.bookableSchedule();
    const fan = await cluster.activeFan(concertId);
    credentials = [
      ['no credential', undefined],
      ['a garbage bearer', 'Bearer not.a.token'],
      ['an identity token', `Bearer ${fan.identity}`],
      ['an ACTIVE queue pass', `Bearer ${fan.token}`],
    ];
  }, 120_000);
  afterAll(() => cluster?.stop());

  it('when the document is read, then every public operation of every service is probed', () => {
    expect(operations.length).toBeGreaterThanOrEqual(15);
  });

  it('when path segments are malformed or of the wrong shape, then never a 5xx', async () => {
    const failures: string[] = [];
    for (const op of operations.filter((o) => o.template.includes('{'))) {
      for (const segment of BAD_SEGMENTS) {
        const path = op.template.replace(/\{[^}]+\}/g, segment);
        for (const [what, authorization] of credentials)
          failures.push(...(await probe(op.method, path, authorization, what)));
      }
    }
    expect(failures).toEqual([]);
  });

  it('when bodies and query strings are malformed, then never a 5xx', async () => {
    const failures: string[] = [];
    for (const op of operations) {
      const path = op.template.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      for (const [what, authorization] of credentials) {
        failures.push(...(await probe(op.method, `${path}${BAD_QUERY}`, authorization, what)));
        if (op.method === 'GET') continue;
        for (const body of BAD_BODIES)
          failures.push(...(await probe(op.method, path, authorization, what, body)));
      }
    }
    expect(failures).toEqual([]);
  });

  async function probe(
    method: string,
    path: string,
    authorization: string | undefined,
    what: string,
    body?: string,
  ): Promise<string[]> {
    const res = await fetch(`${cluster.url}${path}`, {
      method,
      headers: {
        ...(authorization && { authorization }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    const label = `${method} ${path.slice(0, 80)} with ${what}${body ? ` body ${body.slice(0, 40)}` : ''}`;
    if (res.status >= 500) return [`${label}: ${res.status} ${text.slice(0, 200)}`];
    if (res.status >= 400) {
      if (!type.includes('application/problem+json')) return [`${label}: ${res.status} as ${type}`];
      const problem = JSON.parse(text) as { code?: string; stack?: unknown };
      if (!problem.code || problem.stack) return [`${label}: ${text.slice(0, 200)}`];
    }
    return [];
  }
});
