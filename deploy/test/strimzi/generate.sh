#!/usr/bin/env bash
# Renders the kafka.strimzi.io/v1 CustomResourceDefinitions of the Strimzi release named in
# pom.xml (its `api` model through its `crd-generator`, both from Maven Central, as Strimzi's own
# build does) and keeps the schema of every kind deploy/k8s uses in strimzi-<version>-crds.json,
# which deploy/test/k8s.unit.test.ts validates the rendered manifests against.
# Needs Maven and a Java 21+ runtime (Strimzi 1.x is built for 21): JAVA21=/path/to/java.
set -euo pipefail
cd "$(dirname "$0")"
version=$(sed -n 's:.*<strimzi.version>\(.*\)</strimzi.version>.*:\1:p' pom.xml)
java=${JAVA21:-$(ls -d /usr/lib/jvm/*/bin/java | while read -r j; do
  v=$("$j" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
  [ "${v:-0}" -ge 21 ] && echo "$j" && break; done)}
[ -n "$java" ] || { echo "no Java 21+ runtime found; set JAVA21" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mvn -q -f pom.xml dependency:copy-dependencies -DoutputDirectory="$work/libs"
model=io.strimzi.api.kafka.model
"$java" -cp "$work/libs/*" io.strimzi.crdgenerator.CrdGenerator --yaml \
  --crd-api-version v1 --api-versions v1 --storage-version v1 \
  "$model.kafka.Kafka=$work/kafka.yaml" \
  "$model.nodepool.KafkaNodePool=$work/kafkanodepool.yaml" \
  "$model.topic.KafkaTopic=$work/kafkatopic.yaml" \
  "$model.user.KafkaUser=$work/kafkauser.yaml"
node -e '
  const fs = require("fs"); const YAML = require("yaml");
  const [dir, version, out] = process.argv.slice(1);
  const kinds = {};
  for (const f of ["kafka", "kafkanodepool", "kafkatopic", "kafkauser"]) {
    const crd = YAML.parse(fs.readFileSync(`${dir}/${f}.yaml`, "utf8"));
    for (const v of crd.spec.versions)
      kinds[`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`] = v.schema.openAPIV3Schema;
  }
  fs.writeFileSync(out, JSON.stringify({ strimzi: version, generatedBy: "io.strimzi:crd-generator", kinds }, null, 1) + "\n");
' "$work" "$version" "strimzi-$version-crds.json"
echo "strimzi-$version-crds.json: $(node -e 'console.log(Object.keys(require(process.argv[1]).kinds).join(", "))' "$PWD/strimzi-$version-crds.json")"
