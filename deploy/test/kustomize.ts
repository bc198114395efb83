import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
};

interface Kustomization {
  namespace?: string;
  labels?: { pairs: Record<string, string> }[];
  resources?: string[];
  patches?: { path?: string; patch?: string; target?: Target }[];
}
interface Target {
  kind?: string;
  name?: string;
  labelSelector?: string;
}

/**
 * The subset of `kustomize build` these manifests use: resources (files and directories),
 * `labels`, `namespace`, and patches — strategic-merge files (matched by kind and name; lists
 * of named items merged by name) and JSON 6902 operations on a target (kind, name, label
 * selector). No kustomize binary or cluster is available where the tests run; anything else
 * in a kustomization.yaml fails the rendering instead of being ignored.
 */
export function kustomizeBuild(dir: string): Manifest[] {
  const file = path.join(dir, 'kustomization.yaml');
  const k = YAML.parse(fs.readFileSync(file, 'utf8')) as Kustomization & Record<string, unknown>;
  const known = ['apiVersion', 'kind', 'namespace', 'labels', 'resources', 'patches'];
  const unknown = Object.keys(k).filter((key) => !known.includes(key));
  if (unknown.length) throw new Error(`${file}: unsupported fields ${unknown.join(', ')}`);
  let docs: Manifest[] = [];
  for (const resource of k.resources ?? []) {
    const target = path.join(dir, resource);
    docs.push(
      ...(fs.statSync(target).isDirectory() ? kustomizeBuild(target) : readManifests(target)),
    );
  }
  for (const patch of k.patches ?? []) {
    if (patch.path) {
      for (const p of readManifests(path.join(dir, patch.path))) {
        const hits = docs.filter((d) => d.kind === p.kind && d.metadata.name === p.metadata.name);
        if (hits.length !== 1)
          throw new Error(`patch ${patch.path}: no single ${p.kind}/${p.metadata.name}`);
        docs = docs.map((d) => (d === hits[0] ? (mergePatch(d, p) as Manifest) : d));
      }
    } else {
      const ops = YAML.parse(patch.patch!) as JsonPatchOp[];
      const hits = docs.filter((d) => matches(d, patch.target ?? {}));
      if (hits.length === 0)
        throw new Error(`patch matches nothing: ${JSON.stringify(patch.target)}`);
      for (const hit of hits) for (const op of ops) applyOp(hit, op);
    }
  }
  for (const doc of docs) {
    for (const { pairs } of k.labels ?? []) {
      doc.metadata.labels = { ...doc.metadata.labels, ...pairs };
    }
    if (k.namespace) doc.metadata.namespace = k.namespace;
  }
  return docs;
}

export function readManifests(file: string): Manifest[] {
  return YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((d) => {
      if (d.errors.length) throw new Error(`${file}: ${d.errors[0]!.message}`);
      return d.toJS() as Manifest | null;
    })
    .filter((d): d is Manifest => d !== null);
}

function matches(doc: Manifest, target: Target): boolean {
  if (target.kind && doc.kind !== target.kind) return false;
  if (target.name && doc.metadata.name !== target.name) return false;
  if (target.labelSelector) {
    const [key, value] = target.labelSelector.split('=');
    if (doc.metadata.labels?.[key!] !== value) return false;
  }
  return true;
}

type JsonPatchOp = { op: 'replace' | 'add' | 'remove'; path: string; value?: unknown };

function applyOp(doc: Manifest, op: JsonPatchOp): void {
  const keys = op.path
    .split('/')
    .slice(1)
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node = doc as unknown as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) {
    if (node[key] === undefined)
      throw new Error(`${op.path}: no ${key} in ${doc.kind}/${doc.metadata.name}`);
    node = node[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1]!;
  if (op.op === 'replace' && !(last in node)) {
    throw new Error(`${op.path}: nothing to replace in ${doc.kind}/${doc.metadata.name}`);
  }
  if (op.op === 'remove') delete node[last];
  else node[last] = op.value;
}

/** Strategic merge, as far as these manifests need it: maps merge, named items merge by name. */
function mergePatch(base: unknown, patch: unknown): unknown {
  if (Array.isArray(base) && Array.isArray(patch)) {
    const named = (x: unknown): boolean => typeof x === 'object' && x !== null && 'name' in x;
    if (!base.every(named) || !patch.every(named)) return patch;
    const out = [...base];
    for (const item of patch as { name: string }[]) {
      const i = out.findIndex((b) => (b as { name: string }).name === item.name);
      if (i >= 0) out[i] = mergePatch(out[i], item);
      else out.push(item);
    }
    return out;
  }
  if (isObject(base) && isObject(patch)) {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(patch)) out[key] = mergePatch(base[key], value);
    return out;
  }
  return patch;
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
