// Validates manifests (a JSON array on stdin); prints the failures as a JSON array ([] when every
// manifest is valid).
// - Strimzi resources: against Strimzi's own v1 CustomResourceDefinition schemas of the release
//   in strimzi/ (rendered by strimzi/generate.sh), strictly: a field the schema does not know is
//   an error here, where the API server would drop it without a word.
// - Everything else: the kubernetes-models schemas (Kubernetes, Gateway API, Prometheus
//   operator, CloudNativePG), which ship as ES modules only.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';

const here = path.dirname(fileURLToPath(import.meta.url));
const crdFile = fs.readdirSync(path.join(here, 'strimzi')).find((f) => f.endsWith('-crds.json'));
const strimzi = JSON.parse(fs.readFileSync(path.join(here, 'strimzi', crdFile), 'utf8'));

/** The CRD's structural schema, closed: objects accept only the properties they declare. */
function strict(schema) {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== 'object') return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-')) continue;
    out[key] =
      key === 'properties'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strict(v)]))
        : strict(value);
  }
  const open = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (out.properties && !open && out.additionalProperties === undefined)
    out.additionalProperties = false;
  return out;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const strimziValidators = new Map(
  Object.entries(strimzi.kinds).map(([key, schema]) => {
    const closed = strict(schema);
    // metadata is the API server's: any object.
    closed.properties.metadata = { type: 'object' };
    return [key, ajv.compile(closed)];
  }),
);

const input = await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (chunk) => (text += chunk)).on('end', () => resolve(text));
});
const failures = [];
for (const doc of JSON.parse(input)) {
  const [group, version] = doc.apiVersion.includes('/')
    ? doc.apiVersion.split('/')
    : ['', doc.apiVersion];
  const where = `${doc.kind}/${doc.metadata?.name}`;
  try {
    if (group === 'kafka.strimzi.io') {
      const validate = strimziValidators.get(`${group}/${version}/${doc.kind}`);
      if (!validate)
        throw new Error(
          `${doc.apiVersion} ${doc.kind} is not served by Strimzi ${strimzi.strimzi} (its CRDs serve ${[...strimziValidators.keys()].join(', ')})`,
        );
      if (!validate(doc))
        throw new Error(
          `Strimzi ${strimzi.strimzi}: ${validate.errors.map((e) => `${e.instancePath} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ''}`).join('; ')}`,
        );
      continue;
    }
    const module =
      group === 'monitoring.coreos.com'
        ? `@kubernetes-models/prometheus-operator/${group}/${version}`
        : group === 'gateway.networking.k8s.io'
          ? `@kubernetes-models/gateway-api/${group}/${version}`
          : group === 'postgresql.cnpg.io'
            ? `@kubernetes-models/cloudnative-pg/${group}/${version}`
            : `kubernetes-models/${group ? `${group}/` : ''}${version}`;
    const Model = (await import(module))[doc.kind];
    if (!Model) throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`);
    new Model(doc).validate();
  } catch (err) {
    failures.push({ manifest: where, error: String(err?.message ?? err).slice(0, 2000) });
  }
}
process.stdout.write(JSON.stringify(failures));
