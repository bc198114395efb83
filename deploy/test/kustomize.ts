import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import YAML from 'yaml';

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
};

/** The real kubectl (with kustomize): `/usr/bin/kubectl`, or KUBECTL. */
export const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

/**
 * `kubectl kustomize <dir>`, parsed. A missing kubectl fails with the reason (the manifests
 * cannot be checked without it). Secret data is kept on one line (kubectl wraps its base64).
 */
export function kustomizeBuild(dir: string): Manifest[] {
  if (!fs.existsSync(KUBECTL))
    throw new Error(
      `kubectl with kustomize is needed at ${KUBECTL} to render deploy/k8s (set KUBECTL to another path)`,
    );
  const run = spawnSync(KUBECTL, ['kustomize', dir], { encoding: 'utf8' });
  if (run.error || run.status !== 0)
    throw new Error(`kubectl kustomize ${dir} failed: ${run.error?.message ?? run.stderr}`);
  return YAML.parseAllDocuments(run.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((d): d is Manifest => d !== null)
    .map((d) =>
      d.kind === 'Secret' && d.data
        ? {
            ...d,
            data: Object.fromEntries(
              Object.entries(d.data as Record<string, string>).map(([k, v]) => [
                k,
                v.replace(/\s+/g, ''),
              ]),
            ),
          }
        : d,
    );
}
