import { generateIdentityProofKey } from '@ticketing/auth';
import { generatePassKeys } from '@ticketing/queue-pass';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ALL_TOPICS, SERVICES as SYSTEM } from '@ticketing/contracts';
import { KAFKA_VERSION } from '@ticketing/infra';
import { serviceFor } from '../../gateway/src/routes';
import {
  ROOT,
  TARGETS,
  ours,
  podOf,
  rendered,
  schemaFailures,
  type Container,
  type Manifest,
} from './manifests';
import {
  PROCESS_WIDE,
  PROGRAMS,
  SERVICES,
  SERVICE_NAMES,
  apiPaths,
  concrete,
  requiredVariables,
} from './service-configs';

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

  it('when rendered, then every manifest validates against its Kubernetes schema', () => {
    expect(docs.length).toBeGreaterThan(20);
    expect(schemaFailures(docs)).toEqual([]);
  });

  it('when rendered, then every Deployment has probes, requests and limits, and runs non-root on a read-only root filesystem', () => {
    const deployments = docs.filter((d) => d.kind === 'Deployment');
    expect(deployments.length).toBeGreaterThanOrEqual(6);
    for (const d of deployments) {
      const pod = podOf(d);
      expect({ name: d.metadata.name, nonRoot: pod.securityContext?.runAsNonRoot }).toEqual({
        name: d.metadata.name,
        nonRoot: true,
      });
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        expect(c.resources?.requests?.cpu && c.resources.requests.memory).toBeTruthy();
        expect(c.resources?.limits?.memory).toBeTruthy();
        expect(c.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
      }
      for (const c of pod.containers) {
        expect(c.readinessProbe).toBeDefined();
        expect(c.livenessProbe).toBeDefined();
      }
    }
    for (const d of ours(docs, 'Deployment')) {
      const main = podOf(d).containers[0]!;
      expect(main.readinessProbe?.httpGet?.path).toMatch(/^\/health\/(ready|live)$/);
      expect(main.livenessProbe?.httpGet?.path).toBe('/health/live');
      // The service's own stop deadlines (HTTP drain 5 s, ten-second steps) fit in the grace.
      expect(podOf(d).terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
    }
  });

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

  it('when rendered, then every topic the code uses, and its dead-letter topic, is a KafkaTopic', () => {
    const declared = docs
      .filter((d) => d.kind === 'KafkaTopic')
      .map((d) => (d.spec as { topicName: string }).topicName);
    for (const topic of ALL_TOPICS) {
      expect(declared).toContain(topic);
      expect(declared).toContain(`${topic}.dlt`);
    }
  });

  it('when rendered, then every Deployment has a PodDisruptionBudget and an HPA, and no fixed replicas (the HPA owns them)', () => {
    const pdbs = docs.filter((d) => d.kind === 'PodDisruptionBudget').map((d) => d.metadata.name);
    const hpas = docs
      .filter((d) => d.kind === 'HorizontalPodAutoscaler')
      .map((d) => (d.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name);
    for (const d of ours(docs, 'Deployment')) {
      expect(pdbs).toContain(d.metadata.name);
      expect(hpas).toContain(d.metadata.name);
      expect({
        name: d.metadata.name,
        replicas: (d.spec as { replicas?: number }).replicas,
      }).toEqual({
        name: d.metadata.name,
        replicas: undefined,
      });
    }
  });

  it('when rendered, then every resource of ours carries the recommended labels, and pods spread over zones and nodes', () => {
    for (const d of docs.filter(
      (x) => x.metadata.labels?.['app.kubernetes.io/part-of'] === 'ticketing',
    )) {
      for (const label of ['name', 'instance', 'managed-by', 'version'])
        expect({
          resource: `${d.kind}/${d.metadata.name}`,
          label,
          set: Boolean(d.metadata.labels?.[`app.kubernetes.io/${label}`]),
        }).toEqual({
          resource: `${d.kind}/${d.metadata.name}`,
          label,
          set:
            label !== 'name' || d.kind.startsWith('Kafka') || d.kind === 'NetworkPolicy'
              ? expect.any(Boolean)
              : true,
        });
    }
    for (const d of ours(docs, 'Deployment')) {
      const keys = (
        (podOf(d) as { topologySpreadConstraints?: { topologyKey: string }[] })
          .topologySpreadConstraints ?? []
      ).map((c) => c.topologyKey);
      expect({ name: d.metadata.name, keys }).toEqual({
        name: d.metadata.name,
        keys: ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'],
      });
    }
  });

  it('when rendered, then configuration is hashed into its name (a change rolls the pods) and images come from a registry', () => {
    for (const c of docs.filter(
      (d) =>
        d.kind === 'ConfigMap' && d.metadata.labels?.['app.kubernetes.io/part-of'] === 'ticketing',
    ))
      expect(c.metadata.name).toMatch(/-[a-z0-9]{10}$/);
    if (target === 'base') return;
    for (const d of ours(docs, 'Deployment'))
      for (const c of [...podOf(d).containers, ...(podOf(d).initContainers ?? [])])
        expect(c.image).toMatch(/^[a-z0-9.-]+(:\d+)?\/ticketing\/services:/);
  });

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

  it('when rendered, then every service reaches Kafka over TLS with SCRAM as its own user, whose ACLs are exactly its topics', () => {
    const configMaps = new Map(
      docs
        .filter((d) => d.kind === 'ConfigMap')
        .map((d) => [d.metadata.name, (d as { data?: Record<string, string> }).data ?? {}]),
    );
    const users = new Map(
      docs.filter((d) => d.kind === 'KafkaUser').map((d) => [d.metadata.name, d]),
    );
    for (const name of SERVICE_NAMES) {
      const d = ours(docs, 'Deployment').find((x) => x.metadata.name === name)!;
      const main = podOf(d).containers[0]!;
      const env = Object.assign(
        {},
        ...(main.envFrom ?? []).map((f) => configMaps.get(f.configMapRef!.name)),
      );
      expect({
        name,
        protocol: env.KAFKA_SECURITY_PROTOCOL,
        user: env.KAFKA_SASL_USERNAME,
      }).toEqual({
        name,
        protocol: 'SASL_SSL',
        user: name,
      });
      expect(main.env?.find((e) => e.name === 'KAFKA_SASL_PASSWORD')?.valueFrom).toEqual({
        secretKeyRef: { name, key: 'password' },
      });
      const user = users.get(name)!;
      expect(user.metadata.namespace).toBe(
        docs.find((x) => x.kind === 'Kafka')!.metadata.namespace,
      );
      const acls = (
        user.spec as {
          authorization: {
            acls: { resource: { type: string; name: string }; operations: string[] }[];
          };
        }
      ).authorization.acls;
      const topics = (op: string) =>
        acls
          .filter((a) => a.resource.type === 'topic' && a.operations.includes(op))
          .map((a) => a.resource.name)
          .sort();
      const { consumes, produces } = SYSTEM[name];
      expect({ name, reads: topics('Read') }).toEqual({ name, reads: [...consumes].sort() });
      expect({ name, writes: topics('Write') }).toEqual({
        name,
        writes: [...produces, ...consumes.map((t) => `${t}.dlt`)].sort(),
      });
      expect(acls.filter((a) => a.resource.type === 'group').map((a) => a.resource.name)).toEqual([
        name,
      ]);
    }
  });

  it('when rendered, then Kafka is the same 4.x as npm start, on Strimzi v1, with a TLS + SCRAM listener and ACLs; topics and users live with the cluster', () => {
    const kafka = docs.find((d) => d.kind === 'Kafka')!;
    const spec = kafka.spec as {
      kafka: {
        version: string;
        listeners: { tls: boolean; authentication?: { type: string } }[];
        authorization: { type: string };
      };
    };
    expect(spec.kafka.version).toBe(KAFKA_VERSION);
    expect(
      spec.kafka.listeners.every((l) => l.tls && l.authentication?.type === 'scram-sha-512'),
    ).toBe(true);
    expect(spec.kafka.authorization.type).toBe('simple');
    for (const d of docs.filter((x) => x.apiVersion.startsWith('kafka.strimzi.io'))) {
      expect(d.apiVersion).toBe('kafka.strimzi.io/v1');
      expect(d.metadata.namespace).toBe(kafka.metadata.namespace);
      if (d.kind !== 'Kafka')
        expect(d.metadata.labels?.['strimzi.io/cluster']).toBe(kafka.metadata.name);
    }
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

describe.each(['overlays/dev', 'overlays/prod'] as const)('kustomize %s namespace', (target) => {
  it("when rendered, then everything is in the overlay's own Namespace, which it declares", () => {
    const docs = rendered(target);
    const namespace = docs.find((d) => d.kind === 'Namespace')!.metadata.name;
    for (const d of docs.filter((x) => x.kind !== 'Namespace'))
      expect(d.metadata.namespace).toBe(namespace);
  });
});

describe('the production overlay', () => {
  it('when rendered, then it carries no Secret: the platform provides them (secrets.example.yaml)', () => {
    expect(rendered('overlays/prod').filter((d) => d.kind === 'Secret')).toEqual([]);
  });
});

describe('apiVersions', () => {
  it('when deploy/ is searched, then no removed Strimzi API (kafka.strimzi.io/v1 beta 2) is left', () => {
    // Spelled in two parts so that this file is not a hit itself.
    const removed = ['v1', 'beta2'].join('');
    const hits = spawnSync('grep', ['-rln', removed, path.join(ROOT, 'deploy')], {
      encoding: 'utf8',
    }).stdout.trim();
    expect(hits).toBe('');
  });

  it('when docker-compose runs Kafka, then it is the same version as npm start', () => {
    const compose = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    const images = [...compose.matchAll(/image: apache\/kafka:(\S+)/g)].map((m) => m[1]);
    expect(images.length).toBeGreaterThan(0);
    for (const tag of images) expect(tag).toBe(KAFKA_VERSION);
  });
});

describe('schema validation', () => {
  it('when a manifest is malformed, then it is reported', () => {
    const deployment = rendered('base').find((d) => d.kind === 'Deployment')!;
    const broken = { ...deployment, spec: { ...(deployment.spec as object), replicas: 'two' } };
    expect(schemaFailures([broken as Manifest])).toEqual([
      expect.objectContaining({ manifest: `Deployment/${deployment.metadata.name}` }),
    ]);
  });
});
