import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ALL_TOPICS } from '@ticketing/contracts';
import { describeNeeding } from '@ticketing/testing';
import { serviceFor } from '../../gateway/src/routes';
import { kustomizeBuild, type Manifest } from './kustomize';
import {
  PROCESS_WIDE,
  PROGRAMS,
  SERVICES,
  SERVICE_NAMES,
  apiPaths,
  concrete,
  requiredVariables,
} from './service-configs';

const K8S = path.resolve(__dirname, '../k8s');
const ROOT = path.resolve(__dirname, '../..');
const TARGETS = ['base', 'overlays/dev', 'overlays/prod'] as const;
const rendered = Object.fromEntries(
  TARGETS.map((t) => [t, kustomizeBuild(path.join(K8S, t))]),
) as Record<(typeof TARGETS)[number], Manifest[]>;

type Container = {
  name: string;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  envFrom?: { configMapRef?: { name: string } }[];
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  command?: string[];
};
type PodSpec = {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: Record<string, unknown>;
  terminationGracePeriodSeconds?: number;
};
const podOf = (d: Manifest) => (d.spec as { template: { spec: PodSpec } }).template.spec;
const ours = (docs: Manifest[], kind: string) =>
  docs.filter(
    (d) => d.kind === kind && d.metadata.labels?.['app.kubernetes.io/part-of'] === 'ticketing',
  );

/** Schema failures of the manifests (kubernetes-models, Strimzi's, the Prometheus operator's). */
function schemaFailures(docs: Manifest[]): { manifest: string; error: string }[] {
  const run = spawnSync(process.execPath, [path.join(__dirname, 'validate-manifests.mjs')], {
    input: JSON.stringify(docs),
    encoding: 'utf8',
    cwd: ROOT,
  });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as { manifest: string; error: string }[];
}

describe.each(TARGETS)('kustomize %s', (target) => {
  const docs = rendered[target];

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
          env[e.name] =
            e.value ?? (e.name === 'DATABASE_URL' ? 'postgres://u@db:5432/x' : 'x'.repeat(40));
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
          expect(() => program.load(env)).not.toThrow();
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
      (d) => d.kind === 'ConfigMap' && d.metadata.name === 'gateway-config',
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

  it('when rendered, then each service has a PodDisruptionBudget and queue and reservation scale by CPU', () => {
    const pdbs = docs.filter((d) => d.kind === 'PodDisruptionBudget').map((d) => d.metadata.name);
    for (const name of [...SERVICE_NAMES, 'gateway']) expect(pdbs).toContain(name);
    const hpas = docs
      .filter((d) => d.kind === 'HorizontalPodAutoscaler')
      .map((d) => d.metadata.name);
    expect(hpas.sort()).toEqual(['queue', 'reservation']);
  });

  it('when a public path of API.md is requested, then the Ingress sends it to the owning service on its port, and so does the gateway', () => {
    const ingress = docs.find((d) => d.kind === 'Ingress')!;
    const rules = (
      ingress.spec as {
        rules: {
          http: {
            paths: {
              path: string;
              pathType: string;
              backend: { service: { name: string; port: { number: number } } };
            }[];
          };
        }[];
      }
    ).rules[0]!.http.paths;
    const services = new Map(
      docs
        .filter((d) => d.kind === 'Service')
        .map((d) => [d.metadata.name, (d.spec as { ports: { port: number }[] }).ports[0]!.port]),
    );
    const paths = apiPaths(fs.readFileSync(path.join(ROOT, 'docs/API.md'), 'utf8'));
    expect(paths.length).toBeGreaterThanOrEqual(15);
    for (const { path: template } of paths) {
      const request = concrete(template);
      const owner = serviceFor(request);
      expect({ template, owner: owner ?? 'none' }).not.toEqual({ template, owner: 'none' });
      const rule = rules
        .filter((r) => request === r.path || request.startsWith(`${r.path}/`))
        .sort((a, b) => b.path.length - a.path.length)[0];
      expect({ template, backend: rule?.backend.service.name }).toEqual({
        template,
        backend: owner,
      });
      expect(rule!.backend.service.port.number).toBe(services.get(owner!));
    }
    for (const own of ['/docs', '/health']) {
      expect(rules.find((r) => r.path === own)?.backend.service.name).toBe('gateway');
    }
  });
});

describe('schema validation', () => {
  it('when a manifest is malformed, then it is reported', () => {
    const deployment = rendered.base.find((d) => d.kind === 'Deployment')!;
    const broken = { ...deployment, spec: { ...(deployment.spec as object), replicas: 'two' } };
    expect(schemaFailures([broken as Manifest])).toEqual([
      expect.objectContaining({ manifest: `Deployment/${deployment.metadata.name}` }),
    ]);
  });
});

const design = path.resolve(ROOT, '../shared/design/API.md');
describeNeeding(
  'design-contract',
  fs.existsSync(design),
  `the design contract ${design} is missing: docs/API.md cannot be checked against it`,
)('API contract copy', () => {
  it('when the design folder is present, then docs/API.md is the same contract', () => {
    expect(fs.readFileSync(path.join(ROOT, 'docs/API.md'), 'utf8')).toBe(
      fs.readFileSync(design, 'utf8'),
    );
  });
});
