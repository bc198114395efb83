import { REDIS_PRINCIPALS, redisAclFileLine } from '@ticketing/platform';
import { REDIS_ACL_FILE, redisPasswordVariable, writeSecrets } from '@ticketing/infra';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ALL_TOPICS, DATABASE_SERVICES, GATEWAY_PORT } from '@ticketing/contracts';
import YAML from 'yaml';
import {
  PROCESS_WIDE,
  PROGRAMS,
  SERVICES,
  SERVICE_NAMES,
  requiredVariables,
} from './service-configs';

const ROOT = path.resolve(__dirname, '../..');
type ComposeService = {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
};
const compose = YAML.parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as { services: Record<string, ComposeService> };
const services = compose.services;
const DEFAULT_PORTS = Object.fromEntries(SERVICE_NAMES.map((s) => [s, SERVICES[s].port]));
// Compose interpolates `${VAR:-default}`; what a container sees is the default here.
/** What `npm run secrets` writes (in a scratch folder): compose requires these (`${NAME:?…}`). */
const SECRETS_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
writeSecrets(SECRETS_DIR);
const SECRETS: Record<string, string> = Object.fromEntries(
  fs
    .readFileSync(path.join(SECRETS_DIR, '.env'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name, ...value] = line.split('=');
      return [name!, value.join('=').replace(/^'|'$/g, '')];
    }),
);
// The image runs with NODE_ENV=production: compose's configuration must pass its secret checks.
const PRODUCTION = { NODE_ENV: 'production' };
const interpolated = (v: string | number) =>
  String(v)
    .replace(/\$\{[A-Z_]+:-([^}]*)\}/g, (_m, fallback: string) => fallback)
    .replace(/\$\{([A-Z_]+):\?[^}]*\}/g, (_m, name: string) => {
      if (!(name in SECRETS)) throw new Error(`compose requires ${name}, which no step makes`);
      return SECRETS[name]!;
    });

describe('docker-compose.yml', () => {
  it('when parsed, then every service has an image pinned by version or a build', () => {
    for (const [name, s] of Object.entries(services)) {
      expect({ name, runnable: Boolean(s.image || s.build) }).toEqual({ name, runnable: true });
      if (s.image && !s.build) expect(s.image).toMatch(/:[\w.-]*\d[\w.-]*$/);
    }
    for (const infra of ['postgres', 'redis', 'kafka', 'kafka-init', 'kafka-ui', 'gateway'])
      expect(services[infra]).toBeDefined();
    expect(services.kafka!.image).toMatch(/^apache\/kafka:/);
    expect(services['kafka-ui']!.image).toMatch(/kafbat\/kafka-ui:/);
  });

  it.each(SERVICE_NAMES)(
    'when %s starts, then its environment is complete, read by it, and on its port',
    (name) => {
      const s = services[name]!;
      expect(s.command).toEqual(['node', `services/${name}/dist/src/main.js`]);
      const env = Object.fromEntries(
        Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolated(v)]),
      );
      const program = PROGRAMS[name];
      const unread = Object.keys(env).filter(
        (v) => !program.variables.includes(v) && !PROCESS_WIDE.includes(v),
      );
      expect(unread).toEqual([]);
      expect(requiredVariables(program.load).filter((v) => !(v in env))).toEqual([]);
      expect(() => program.load({ ...env, ...PRODUCTION })).not.toThrow();
      expect(Number(env.PORT)).toBe(DEFAULT_PORTS[name]);
      expect(s.ports).toBeUndefined(); // reached through the gateway only
      expect(s.depends_on?.['kafka-init']?.condition).toBe('service_completed_successfully');
    },
  );

  it('when compose runs, then only the gateway and the UIs a developer opens are published, on this machine only', () => {
    const published = Object.entries(services)
      .filter(([, s]) => s.ports?.length)
      .map(([name, s]) => [name, s.ports!.every((p) => p.startsWith('127.0.0.1:'))]);
    expect(Object.fromEntries(published)).toEqual({
      gateway: true,
      oidc: true,
      'kafka-ui': true,
      jaeger: true,
    });
  });

  it('when compose is read, then it holds no secret: each comes from .env, which `npm run secrets` makes', () => {
    const text = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    // Every password-like value is an interpolation that fails without .env.
    for (const [name, s] of Object.entries(services)) {
      for (const [variable, value] of Object.entries(s.environment ?? {})) {
        const v = String(value);
        if (/PASSWORD|SECRET|SIGNING_KEY/.test(variable))
          expect({ name, variable, v }).toEqual({
            name,
            variable,
            v: expect.stringMatching(/^\$\{[A-Z_]+:\?/),
          });
        if (/^postgres(ql)?:/.test(v))
          expect({ name, variable, v }).toEqual({
            name,
            variable,
            v: expect.stringMatching(/^postgres:\/\/\w+:\$\{POSTGRES_PASSWORD:\?/),
          });
      }
    }
    expect(text).not.toMatch(/change-me|:ticketing@/);
    // Redis: the default user off, each service its own user, as the code states the rules.
    expect(services.redis!.command).toEqual(['redis-server', '--aclfile', '/etc/redis/users.acl']);
    const acl = fs.readFileSync(path.join(SECRETS_DIR, REDIS_ACL_FILE), 'utf8').split('\n');
    expect(acl).toContain('user default off');
    for (const p of REDIS_PRINCIPALS) {
      const password = SECRETS[redisPasswordVariable(p)]!;
      expect(password.length).toBeGreaterThanOrEqual(24);
      expect(acl).toContain(redisAclFileLine(p, { username: p, password }));
      if (p !== 'gateway' || services[p]) {
        expect(services[p]!.environment).toMatchObject({ REDIS_USERNAME: p });
        expect(interpolated(services[p]!.environment!.REDIS_PASSWORD!)).toBe(password);
      }
    }
    expect(acl.join('\n')).not.toContain(SECRETS.REDIS_PASSWORD_QUEUE);
  });

  it('when the gateway starts, then it routes to every service by its compose name and port', () => {
    const env = Object.fromEntries(
      Object.entries(services.gateway!.environment!).map(([k, v]) => [k, interpolated(v)]),
    );
    for (const name of SERVICE_NAMES) {
      expect(env[`${name.toUpperCase()}_URLS`]).toBe(`http://${name}:${DEFAULT_PORTS[name]}`);
    }
    expect(() => PROGRAMS.gateway.load({ ...env, ...PRODUCTION })).not.toThrow();
    expect(services.gateway!.ports).toEqual([`127.0.0.1:${GATEWAY_PORT}:${GATEWAY_PORT}`]);
  });

  it('when services verify identities, then they trust the issuer the compose OpenID provider names in its tokens', () => {
    const oidc = services.oidc!;
    expect(oidc.command).toEqual(['node', 'tools/oidc-provider/dist/main.js']);
    const issuer = String(oidc.environment!.OIDC_DEV_ISSUER);
    expect(oidc.ports).toEqual([`127.0.0.1:${new URL(issuer).port}:${new URL(issuer).port}`]);
    for (const name of [...SERVICE_NAMES, 'gateway'] as const) {
      const variables = PROGRAMS[name].variables;
      if (!variables.includes('OIDC_ISSUER_URL')) continue;
      expect({
        name,
        issuer: interpolated(services[name]!.environment!.OIDC_ISSUER_URL ?? ''),
      }).toEqual({
        name,
        issuer,
      });
    }
  });

  it('when Postgres starts, then it creates the database of every service that has one', () => {
    const init = fs.readFileSync(path.join(ROOT, 'deploy/docker/postgres-init.sql'), 'utf8');
    const created = [...init.matchAll(/CREATE DATABASE (\w+)/gi)].map((m) => m[1]);
    expect(created.sort()).toEqual(DATABASE_SERVICES.map((s) => SERVICES[s].database).sort());
  });

  it('when topics are created, then every topic and its dead-letter topic is in the script', () => {
    const script = fs.readFileSync(path.join(ROOT, 'deploy/docker/create-topics.sh'), 'utf8');
    for (const topic of ALL_TOPICS) expect(script).toContain(topic);
    expect(script).toContain('"$topic.dlt"');
  });
});

describe('Grafana dashboard', () => {
  const dashboard = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'deploy/grafana/ticketing-dashboard.json'), 'utf8'),
  ) as { panels: { title: string; targets: { expr: string }[] }[] };
  const sources = ['libs', 'services', 'gateway']
    .flatMap((dir) => walk(path.join(ROOT, dir)))
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('\n');

  it('when loaded, then every panel queries a metric the code exports (or the Kafka exporter)', () => {
    const wanted = ['queue', 'admission', 'hold', 'payment', 'saga', 'outbox', 'consumer lag'];
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join(' | ');
    for (const w of wanted) expect(titles).toContain(w);
    for (const panel of dashboard.panels) {
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const { expr } of panel.targets) {
        const metrics = [...expr.matchAll(/\b([a-z_]+?)(?:_bucket|_count|_sum)?(?=[{[)\s])/g)]
          .map((m) => m[1]!)
          .filter((m) => m.includes('_') && !['histogram_quantile', 'by'].includes(m));
        for (const metric of metrics) {
          if (metric.startsWith('kafka_consumergroup')) continue; // Strimzi's Kafka Exporter
          expect({ metric, exported: sources.includes(`'${metric}'`) }).toEqual({
            metric,
            exported: true,
          });
        }
      }
    }
  });
});

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return ['node_modules', 'dist', 'test'].includes(e.name) ? [] : walk(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}
