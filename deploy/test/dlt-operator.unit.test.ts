import path from 'node:path';
import { SERVICES } from '@ticketing/contracts';
import { kafkaSecurityEnv } from '@ticketing/platform';
import { kustomizeBuild } from './kustomize';

/** The opt-in operator of dead letters (deploy/k8s/components/dlt-operator), as dev renders it. */
const docs = kustomizeBuild(path.resolve(__dirname, '../k8s/overlays/dev'));
const consumed = [...new Set(Object.values(SERVICES).flatMap((s) => s.consumes))].sort();

describe('the dead-letter operator on Kubernetes', () => {
  it("when its Kafka user's ACLs are read, then it reads every dead-letter topic, writes only the topics they came from, and reads as its own throwaway groups", () => {
    const user = docs.find(
      (d) => d.kind === 'KafkaUser' && d.metadata.name === 'ticketing-operator',
    )!;
    const acls = (
      user.spec as {
        authorization: {
          acls: {
            resource: { type: string; name: string; patternType: string };
            operations: string[];
          }[];
        };
      }
    ).authorization.acls;
    const on = (type: string, op: string) =>
      acls
        .filter((a) => a.resource.type === type && a.operations.includes(op))
        .map((a) => `${a.resource.name}${a.resource.patternType === 'prefix' ? '*' : ''}`)
        .sort();
    expect(on('topic', 'Read')).toEqual(consumed.map((t) => `${t}.dlt`).sort());
    expect(on('topic', 'Write')).toEqual(consumed);
    expect(on('group', 'Read')).toEqual(['dlt-reader-*']);
    expect(on('group', 'Delete')).toEqual(['dlt-reader-*']);
    const operations = new Set(acls.flatMap((a) => a.operations));
    expect([...operations].sort()).toEqual(['Delete', 'Describe', 'Read', 'Write']);
    expect(acls.filter((a) => a.operations.includes('Delete')).map((a) => a.resource.type)).toEqual(
      ['group'],
    );
  });

  it('when rendered, then its pod waits at zero replicas, logged in to Kafka as that user over TLS', () => {
    const deployment = docs.find(
      (d) => d.kind === 'Deployment' && d.metadata.name === 'dlt-operator',
    )!;
    const spec = deployment.spec as {
      replicas: number;
      template: {
        spec: {
          containers: {
            image: string;
            env: {
              name: string;
              value?: string;
              valueFrom?: { secretKeyRef?: { name: string } };
            }[];
          }[];
        };
      };
    };
    expect(spec.replicas).toBe(0);
    const container = spec.template.spec.containers[0]!;
    expect(container.image).toMatch(/ticketing\/services:/);
    const env = Object.fromEntries(container.env.map((e) => [e.name, e]));
    expect(env.KAFKA_SECURITY_PROTOCOL?.value).toBe('SASL_SSL');
    expect(env.KAFKA_SASL_USERNAME?.value).toBe('ticketing-operator');
    expect(env.KAFKA_SASL_PASSWORD?.valueFrom?.secretKeyRef?.name).toBe('ticketing-operator');
    // Every variable it sets is one the dlt command reads.
    for (const name of Object.keys(env))
      expect({ name, read: name === 'KAFKA_BROKERS' || name in kafkaSecurityEnv }).toEqual({
        name,
        read: true,
      });
  });
});
