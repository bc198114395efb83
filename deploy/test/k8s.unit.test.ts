import { TARGETS, ours, podOf, rendered, schemaFailures, type Manifest } from './manifests';

// The manifests as a whole: valid, hardened, scaled by their HPAs, labelled, and namespaced.
// How the programs are configured and reached is k8s-programs.unit.test.ts; Kafka's
// resources, k8s-kafka.unit.test.ts; Postgres and Redis, k8s-data-stores.unit.test.ts.

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

describe('schema validation', () => {
  it('when a manifest is malformed, then it is reported', () => {
    const deployment = rendered('base').find((d) => d.kind === 'Deployment')!;
    const broken = { ...deployment, spec: { ...(deployment.spec as object), replicas: 'two' } };
    expect(schemaFailures([broken as Manifest])).toEqual([
      expect.objectContaining({ manifest: `Deployment/${deployment.metadata.name}` }),
    ]);
  });
});
