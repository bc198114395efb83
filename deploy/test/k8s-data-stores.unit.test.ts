import {
  REDIS_PRINCIPALS,
  redisAclFileLine,
  DB_POOL_MAX_DEFAULT,
  EXAMPLE_SECRETS,
  SESSION_CONNECTIONS_PER_PROCESS,
} from '@ticketing/platform';
import {
  TARGETS,
  configOf,
  ours,
  podOf,
  rendered,
  type Container,
  type Manifest,
} from './manifests';

// How the programs reach Postgres and Redis: connections within the budget, a login each.

const BUDGET_ANNOTATION = 'ticketing.example.com/database-connections';

/**
 * The most connections the rendered programs may hold at once: every Deployment with a database,
 * its HPA's maxReplicas × (DB_POOL_MAX + the sessions outside the pool). Per pod the migration
 * step runs before the service, so it never adds to it.
 */
function connectionDemand(docs: Manifest[]): { total: number; each: Record<string, number> } {
  const each: Record<string, number> = {};
  for (const d of ours(docs, 'Deployment')) {
    const c = podOf(d).containers[0]!;
    if (!c.env?.some((e) => e.name === 'DATABASE_URL')) continue;
    const config = configOf(docs, c);
    const pool = Number(config.DB_POOL_MAX ?? DB_POOL_MAX_DEFAULT);
    const hpa = docs.find(
      (h) =>
        h.kind === 'HorizontalPodAutoscaler' &&
        (h.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === d.metadata.name,
    )!;
    const replicas = (hpa.spec as { maxReplicas: number }).maxReplicas;
    each[d.metadata.name] = replicas * (pool + SESSION_CONNECTIONS_PER_PROCESS);
  }
  return { total: Object.values(each).reduce((a, b) => a + b, 0), each };
}

const budgetOf = (docs: Manifest[]) =>
  Number(docs.find((d) => d.kind === 'Namespace')?.metadata.annotations?.[BUDGET_ANNOTATION]);

describe('connection budget', () => {
  it.each(['overlays/dev', 'overlays/prod'] as const)(
    'when %s is rendered, then every HPA maxReplicas × (DB_POOL_MAX + sessions) fits the budget its Namespace states',
    (target) => {
      const docs = rendered(target);
      const budget = budgetOf(docs);
      expect(budget).toBeGreaterThan(0);
      const demand = connectionDemand(docs);
      expect(Object.keys(demand.each).sort()).toEqual([
        'concert',
        'payment',
        'queue',
        'reservation',
        'wallet',
      ]);
      expect({ target, ...demand, fits: demand.total <= budget }).toEqual({
        target,
        ...demand,
        fits: true,
      });
    },
  );

  it("when the dev overlay's Postgres starts, then its max_connections holds the budget, its reserved sessions and operators'", () => {
    const docs = rendered('overlays/dev');
    const cluster = docs.find((d) => d.kind === 'Cluster')!;
    const max = Number(
      (cluster.spec as { postgresql: { parameters: Record<string, string> } }).postgresql.parameters
        .max_connections,
    );
    const superuserReserved = 3; // Postgres' default superuser_reserved_connections
    expect(budgetOf(docs) + superuserReserved).toBeLessThanOrEqual(max - 10);
  });

  it('when a manifest scales a service beyond it, then the check fails', () => {
    const docs = structuredClone(rendered('overlays/prod'));
    const hpa = docs.find(
      (h) => h.kind === 'HorizontalPodAutoscaler' && h.metadata.name === 'payment',
    )!;
    (hpa.spec as { maxReplicas: number }).maxReplicas = 60;
    expect(connectionDemand(docs).total).toBeGreaterThan(budgetOf(docs));
  });
});

describe('Redis logins', () => {
  it.each(TARGETS)(
    'when %s is rendered, then each program that uses Redis logs in as its own ACL user, its password from the Secret ticketing-redis',
    (target) => {
      const docs = rendered(target);
      for (const d of ours(docs, 'Deployment')) {
        const c = podOf(d).containers[0]!;
        const config = configOf(docs, c);
        const name = d.metadata.name;
        if (!config.REDIS_URL) {
          expect(name).toBe('wallet');
          continue;
        }
        expect({ name, user: config.REDIS_USERNAME }).toEqual({ name, user: name });
        const password = c.env?.find((e) => e.name === 'REDIS_PASSWORD')?.valueFrom;
        expect({ name, password }).toEqual({
          name,
          password: { secretKeyRef: { name: 'ticketing-redis', key: name } },
        });
      }
    },
  );

  it("when the dev overlay's Redis starts, then its users are the code's rules with the overlay's passwords, and the programs run in development mode", () => {
    const docs = rendered('overlays/dev');
    const secret = (prefix: string) =>
      docs.find((d) => d.kind === 'Secret' && d.metadata.name.startsWith(prefix)) as unknown as {
        data: Record<string, string>;
      };
    const decode = (v: string) => Buffer.from(v, 'base64').toString('utf8');
    const passwords = secret('ticketing-redis').data;
    const acl = decode(secret('redis-users').data['users.acl']!).trim().split('\n');
    expect(acl).toEqual([
      'user default off',
      ...REDIS_PRINCIPALS.map((p) =>
        redisAclFileLine(p, { username: p, password: decode(passwords[p]!) }),
      ),
    ]);
    // Every throwaway secret of the overlay is one production mode refuses.
    for (const p of REDIS_PRINCIPALS) expect(EXAMPLE_SECRETS.has(decode(passwords[p]!))).toBe(true);
    for (const url of Object.values(secret('ticketing-databases').data))
      expect(EXAMPLE_SECRETS.has(new URL(decode(url)).password)).toBe(true);
    const key = JSON.parse(decode(secret('queue-pass-signing-key').data['signing-key']!)) as {
      d: string;
    };
    expect(EXAMPLE_SECRETS.has(key.d)).toBe(true);
    expect(EXAMPLE_SECRETS.has(decode(secret('identity-proof-key').data.key!))).toBe(true);
    for (const d of ours(docs, 'Deployment'))
      expect({ name: d.metadata.name, env: podOf(d).containers[0]!.env }).toEqual({
        name: d.metadata.name,
        env: expect.arrayContaining([{ name: 'NODE_ENV', value: 'development' }]),
      });
  });
});

describe.each(TARGETS)('kustomize %s Postgres logins', (target) => {
  const docs = rendered(target);

  it('when rendered, then the migration step logs in as the schema owner and the services with their own login, without DDL', () => {
    for (const d of ours(docs, 'Deployment').filter(
      (x) => x.metadata.name !== 'gateway' && x.metadata.name !== 'queue',
    )) {
      const pod = podOf(d);
      const secretOf = (c: Container) =>
        (
          c.env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom as {
            secretKeyRef: { name: string };
          }
        ).secretKeyRef.name;
      expect(secretOf(pod.initContainers!.find((c) => c.name === 'migrate')!)).toBe(
        'ticketing-database-migrations',
      );
      expect(secretOf(pod.containers[0]!)).toBe('ticketing-databases');
    }
  });
});
