// Validates manifests (a JSON array on stdin) with the kubernetes-models schemas, which ship
// as ES modules only; prints the failures as a JSON array ([] when every manifest is valid).
const input = await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (chunk) => (text += chunk)).on('end', () => resolve(text));
});
const failures = [];
for (const doc of JSON.parse(input)) {
  const [group, version] = doc.apiVersion.includes('/')
    ? doc.apiVersion.split('/')
    : ['', doc.apiVersion];
  const module =
    group === 'kafka.strimzi.io'
      ? `@kubernetes-models/strimzi-kafka-operator/${group}/${version}`
      : group === 'monitoring.coreos.com'
        ? `@kubernetes-models/prometheus-operator/${group}/${version}`
        : `kubernetes-models/${group ? `${group}/` : ''}${version}`;
  const where = `${doc.kind}/${doc.metadata?.name}`;
  try {
    const Model = (await import(module))[doc.kind];
    if (!Model) throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`);
    new Model(doc).validate();
  } catch (err) {
    failures.push({ manifest: where, error: String(err?.message ?? err).slice(0, 2000) });
  }
}
process.stdout.write(JSON.stringify(failures));
