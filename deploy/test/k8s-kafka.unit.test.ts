import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ALL_TOPICS, SERVICES as SYSTEM } from '@ticketing/contracts';
import { KAFKA_VERSION } from '@ticketing/infra';
import { ROOT, TARGETS, ours, podOf, rendered } from './manifests';
import { SERVICE_NAMES } from './service-configs';

// Kafka in the cluster: every topic declared, each service its own user with exactly its
// topics' ACLs over TLS and SCRAM, and the same Kafka as npm start on Strimzi's current API.

describe.each(TARGETS)('kustomize %s', (target) => {
  const docs = rendered(target);

  it('when rendered, then every topic the code uses, and its dead-letter topic, is a KafkaTopic', () => {
    const declared = docs
      .filter((d) => d.kind === 'KafkaTopic')
      .map((d) => (d.spec as { topicName: string }).topicName);
    for (const topic of ALL_TOPICS) {
      expect(declared).toContain(topic);
      expect(declared).toContain(`${topic}.dlt`);
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
