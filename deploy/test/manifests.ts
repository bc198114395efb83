import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { kustomizeBuild, type Manifest } from './kustomize';

export type { Manifest };

export const K8S = path.resolve(__dirname, '../k8s');
export const ROOT = path.resolve(__dirname, '../..');
export const TARGETS = ['base', 'overlays/dev', 'overlays/prod'] as const;
export type Target = (typeof TARGETS)[number];

const renders = new Map<Target, Manifest[]>();
/** `kubectl kustomize deploy/k8s/<target>`, rendered once per test file that asks for it. */
export function rendered(target: Target): Manifest[] {
  let docs = renders.get(target);
  if (!docs) {
    docs = kustomizeBuild(path.join(K8S, target));
    renders.set(target, docs);
  }
  return docs;
}

export type Container = {
  name: string;
  image?: string;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  envFrom?: { configMapRef?: { name: string } }[];
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  command?: string[];
};
export type PodSpec = {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: Record<string, unknown>;
  terminationGracePeriodSeconds?: number;
};
export const podOf = (d: Manifest) => (d.spec as { template: { spec: PodSpec } }).template.spec;
export const ours = (docs: Manifest[], kind: string) =>
  docs.filter(
    (d) => d.kind === kind && d.metadata.labels?.['app.kubernetes.io/part-of'] === 'ticketing',
  );

/** What a container reads from its ConfigMaps (`envFrom`), merged in order. */
export function configOf(docs: Manifest[], container: Container): Record<string, string> {
  const configMaps = new Map(
    docs
      .filter((d) => d.kind === 'ConfigMap')
      .map((d) => [d.metadata.name, (d as { data?: Record<string, string> }).data ?? {}]),
  );
  return Object.assign(
    {},
    ...(container.envFrom ?? []).map((f) => configMaps.get(f.configMapRef!.name) ?? {}),
  ) as Record<string, string>;
}

/** Schema failures of the manifests (kubernetes-models, Strimzi's, the Prometheus operator's). */
export function schemaFailures(docs: Manifest[]): { manifest: string; error: string }[] {
  const run = spawnSync(process.execPath, [path.join(__dirname, 'validate-manifests.mjs')], {
    input: JSON.stringify(docs),
    encoding: 'utf8',
    cwd: ROOT,
  });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as { manifest: string; error: string }[];
}
