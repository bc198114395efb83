import { generateIdentityProofKey } from '@ticketing/auth';
import { generatePassKeys } from '@ticketing/queue-pass';
import fs from 'node:fs';
import path from 'node:path';
import { serviceFor } from '../../gateway/src/routes';
import { ROOT, TARGETS, ours, podOf, rendered, type Container } from './manifests';
import {
  PROCESS_WIDE,
  PROGRAMS,
  SERVICES,
  SERVICE_NAMES,
  apiPaths,
  concrete,
  requiredVariables,
} from './service-configs';

// How each program is configured and reached: every variable it reads set, its port the system
// table's, and only the system's flows allowed to it (network policies, the HTTPRoute).

/** Stand-ins of the values only the cluster holds (Secrets, references), shaped as each must be. */
const PASS_KEYS = generatePassKeys();
const STAND_INS: Record<string, string> = {
  DATABASE_URL: `postgres://u:${'p'.repeat(32)}@db:5432/x`,
  QUEUE_PASS_SIGNING_KEY: PASS_KEYS.signingKey,
  QUEUE_PASS_PUBLIC_KEYS: PASS_KEYS.publicKeys,
  IDENTITY_PROOF_KEY: generateIdentityProofKey(),
};

describe.each(TARGETS)('kustomize %s', (target) => {
  const docs = rendered(target);

  it('when rendered, then every variable a program needs is set, every one set is read, and its configuration loads', () => {
    const configMaps = new Map(
      docs
        .filter((d) => d.kind === 'ConfigMap')
        .map((d) => [d.metadata.name, (d as { data?: Record<string, string> }).data ?? {}]),
    );
    const programs = ours(docs, 'Deployment');
    expect(programs.map((d) => d.metadata.name).sort()).toEqual([
      'concert',
      'gateway',
      'payment',
      'queue',
      'reservation',
      'wallet',
    ]);
    for (const d of programs) {
      const program = PROGRAMS[d.metadata.name as keyof typeof PROGRAMS];
      const pod = podOf(d);
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        const env: Record<string, string> = {};
        for (const from of c.envFrom ?? []) {
          const data = configMaps.get(from.configMapRef!.name);
          expect({ configMap: from.configMapRef!.name, exists: data !== undefined }).toEqual({
            configMap: from.configMapRef!.name,
            exists: true,
          });
          Object.assign(env, data);
        }
        for (const e of c.env ?? []) {
          // Secrets and field references hold values only the cluster knows: stand-ins here.
          env[e.name] = e.value ?? STAND_INS[e.name] ?? 'x'.repeat(40);
        }
        const unread = Object.keys(env).filter(
          (v) => !program.variables.includes(v) && !PROCESS_WIDE.includes(v),
        );
        expect({ container: `${d.metadata.name}/${c.name}`, unread }).toEqual({
          container: `${d.metadata.name}/${c.name}`,
          unread: [],
        });
        if (c.name !== 'migrate') {
          const missing = requiredVariables(program.load).filter((v) => !(v in env));
          expect({ container: d.metadata.name, missing }).toEqual({
            container: d.metadata.name,
            missing: [],
          });
          // The image runs in production mode (Dockerfile) unless the overlay says otherwise.
          expect(() => program.load({ NODE_ENV: 'production', ...env })).not.toThrow();
        }
      }
    }
  });

  it('when rendered, then every service listens, is scraped and is reached on its port of the system table', () => {
    for (const name of SERVICE_NAMES) {
      const port = SERVICES[name].port;
      const deployment = ours(docs, 'Deployment').find((d) => d.metadata.name === name)!;
      const main = podOf(deployment).containers[0]! as Container & {
        ports?: { containerPort: number }[];
      };
      const service = docs.find((d) => d.kind === 'Service' && d.metadata.name === name)!;
      const annotations = (
        deployment.spec as { template: { metadata: { annotations?: Record<string, string> } } }
      ).template.metadata.annotations;
      expect({
        name,
        container: main.ports?.[0]?.containerPort,
        env: main.env?.find((e) => e.name === 'PORT')?.value,
        scraped: annotations?.['prometheus.io/port'],
        service: (service.spec as { ports: { port: number }[] }).ports[0]!.port,
      }).toEqual({
        name,
        container: port,
        env: String(port),
        scraped: String(port),
        service: port,
      });
    }
  });

  it('when rendered, then the gateway reaches each service by its Service name and table port', () => {
    const config = docs.find(
      (d) => d.kind === 'ConfigMap' && d.metadata.name.startsWith('gateway-config'),
    )!;
    const data = (config as unknown as { data: Record<string, string> }).data;
    for (const name of SERVICE_NAMES)
      expect(data[`${name.toUpperCase()}_URLS`]).toBe(`http://${name}:${SERVICES[name].port}`);
  });

  it('when rendered, then pods are denied by default and only the flows of the system are allowed', () => {
    const policies = docs.filter((d) => d.kind === 'NetworkPolicy');
    const deny = policies.find((p) => p.metadata.name === 'default-deny-ingress')!;
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    expect(policies.map((p) => p.metadata.name)).toEqual(
      expect.arrayContaining([
        'default-deny-egress',
        'gateway-from-outside',
        'services-from-gateway',
        'egress',
      ]),
    );
  });

  it('when a public path of API.md is requested, then the HTTPRoute sends it to the gateway only, which sends it to the owning service; health and metrics stay inside', () => {
    const route = docs.find((d) => d.kind === 'HTTPRoute')!;
    const rules = (
      route.spec as {
        rules: {
          matches: { path: { type: string; value: string } }[];
          backendRefs: { name: string; port: number }[];
        }[];
      }
    ).rules;
    const prefixes = rules.flatMap((r) =>
      r.matches.map((m) => ({ prefix: m.path.value, backends: r.backendRefs })),
    );
    const gatewayPort = (
      docs.find((d) => d.kind === 'Service' && d.metadata.name === 'gateway')!.spec as {
        ports: { port: number }[];
      }
    ).ports[0]!.port;
    const paths = apiPaths(fs.readFileSync(path.join(ROOT, 'docs/API.md'), 'utf8'));
    expect(paths.length).toBeGreaterThanOrEqual(15);
    for (const { path: template } of paths) {
      const request = concrete(template);
      const match = prefixes.find(
        (p) => request === p.prefix || request.startsWith(`${p.prefix}/`),
      );
      expect({ template, backends: match?.backends }).toEqual({
        template,
        backends: [{ name: 'gateway', port: gatewayPort }],
      });
      expect({ template, owner: serviceFor(request) ?? 'none' }).not.toEqual({
        template,
        owner: 'none',
      });
    }
    // The fan app the gateway serves (apps/fan): its page, configuration and hashed files.
    for (const file of ['/', '/config.json', '/assets/index-abc.js'])
      expect({
        file,
        backends: prefixes.find(
          (p) => file === p.prefix || (p.prefix !== '/' && file.startsWith(`${p.prefix}/`)),
        )?.backends,
      }).toEqual({ file, backends: [{ name: 'gateway', port: gatewayPort }] });
    for (const inside of ['/health', '/health/ready', '/metrics'])
      expect(
        prefixes.find((p) => inside === p.prefix || inside.startsWith(`${p.prefix}/`)),
      ).toBeUndefined();
    const gateway = docs.find((d) => d.kind === 'Gateway')!;
    const listener = (
      gateway.spec as { listeners: { protocol: string; tls?: { certificateRefs: unknown[] } }[] }
    ).listeners[0]!;
    expect(listener.protocol).toBe('HTTPS');
    expect(listener.tls?.certificateRefs.length).toBe(1);
    expect(docs.some((d) => d.kind === 'Ingress')).toBe(false);
  });
});
