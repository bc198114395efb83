import fs from 'node:fs';
import path from 'node:path';
import { MESSAGES, keyTemplate, userIdFields } from '@ticketing/contracts';
import YAML from 'yaml';
import { kustomizeBuild, type Manifest } from './kustomize';

/**
 * Kafka UI on Kubernetes (deploy/k8s/components/kafka-ui), as `kubectl kustomize` renders it in
 * the dev overlay, and its kafbat configuration read with the container's environment the way
 * Spring resolves it: TLS and SCRAM as its own read-only Kafka user, the OpenID login, the roles
 * and the masking of user ids.
 */
const ROOT = path.resolve(__dirname, '../..');
const CONFIG_FILE = 'deploy/k8s/components/kafka-ui/config.yml';
const docs = kustomizeBuild(path.join(ROOT, 'deploy/k8s/overlays/dev'));
const find = (kind: string, name: string) => {
  const found = docs.find(
    (d) => d.kind === kind && (d.metadata.name === name || d.metadata.name.startsWith(`${name}-`)),
  );
  if (!found) throw new Error(`the dev overlay renders no ${kind} ${name}`);
  return found;
};

type Env = {
  name: string;
  value?: string;
  valueFrom?: Record<string, { name: string; key: string }>;
};
type Pod = {
  containers: {
    image: string;
    env: Env[];
    volumeMounts: { name: string; mountPath: string }[];
  }[];
  volumes: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[];
};
const deployment = find('Deployment', 'kafka-ui');
const pod = (deployment.spec as { template: { spec: Pod } }).template.spec;
const container = pod.containers[0]!;
const configMap = find('ConfigMap', 'kafka-ui-config') as Manifest & {
  data: Record<string, string>;
};
const identity = find('ConfigMap', 'ticketing-identity') as Manifest & {
  data: Record<string, string>;
};

/** The environment as the container sees it (values from Secrets stand as `<secret name/key>`). */
const environment: Record<string, string> = Object.fromEntries(
  container.env.map((e) => {
    if (e.value !== undefined) return [e.name, e.value];
    const ref = e.valueFrom!.secretKeyRef ?? e.valueFrom!.configMapKeyRef!;
    if (e.valueFrom!.configMapKeyRef) {
      const source = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === ref.name);
      return [
        e.name,
        (source as { data: Record<string, string> } | undefined)?.data[ref.key] ?? '',
      ];
    }
    return [e.name, `<secret ${ref.name}/${ref.key}>`];
  }),
);
/** Spring's `${NAME}` and `${NAME:default}`, resolved from that environment. */
const resolve = (value: unknown, env: Record<string, string>): unknown => {
  if (typeof value === 'string')
    return value.replace(/\$\{([A-Za-z0-9_]+)(?::([^}]*))?\}/g, (_m, name: string, fallback) => {
      if (name in env) return env[name]!;
      if (fallback === undefined) throw new Error(`${CONFIG_FILE} needs ${name}, which is not set`);
      return fallback as string;
    });
  if (Array.isArray(value)) return value.map((v) => resolve(v, env));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, env)]));
  return value;
};

type Cluster = {
  name: string;
  bootstrapServers: string;
  readOnly: boolean;
  properties: Record<string, string>;
  masking?: {
    type: string;
    fields?: string[];
    topicKeysPattern?: string;
    topicValuesPattern?: string;
  }[];
};
type Role = {
  name: string;
  clusters: string[];
  subjects: { provider: string; type: string; value: string }[];
  permissions: { resource: string; value?: string; actions: string[] | string }[];
};
type KafbatConfig = {
  kafka: { clusters: Cluster[] };
  auth: {
    type: string;
    oauth2: {
      client: Record<string, Record<string, unknown> & { 'custom-params': Record<string, string> }>;
    };
  };
  rbac: { roles: Role[] };
};
const mounted = configMap.data['config.yml']!;
const config = resolve(YAML.parse(mounted), environment) as KafbatConfig;
const cluster = (name: string) => config.kafka.clusters.find((c) => c.name === name)!;
const role = (name: string) => config.rbac.roles.find((r) => r.name === name)!;

describe('Kafka UI on Kubernetes (the dev overlay)', () => {
  it('when rendered, then kafbat runs the configuration file of the repository, which compose mounts too', () => {
    expect(mounted).toBe(fs.readFileSync(path.join(ROOT, CONFIG_FILE), 'utf8'));
    const mount = container.volumeMounts.find((m) => m.name === 'config')!;
    expect(environment['SPRING_CONFIG_ADDITIONAL-LOCATION']).toBe(`${mount.mountPath}/config.yml`);
    expect(pod.volumes.find((v) => v.name === 'config')!.configMap!.name).toBe(
      configMap.metadata.name,
    );
    const compose = YAML.parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), {
      merge: true,
    }) as {
      services: Record<
        string,
        { image: string; volumes: string[]; environment: Record<string, string> }
      >;
    };
    const ui = compose.services['kafka-ui']!;
    expect(ui.volumes).toContain(`./${CONFIG_FILE}:/etc/kafka-ui/config.yml:ro`);
    expect(ui.environment['SPRING_CONFIG_ADDITIONAL-LOCATION']).toBe('/etc/kafka-ui/config.yml');
    expect(ui.image).toBe(container.image);
  });

  it('when rendered, then the image is a pinned kafbat release', () => {
    expect(container.image).toMatch(
      /^ghcr\.io\/kafbat\/kafka-ui(:v\d+\.\d+\.\d+)?(@sha256:[0-9a-f]{64})?$/,
    );
    expect(container.image).toMatch(/:v\d|@sha256:/);
  });

  it('when it connects, then it is over TLS trusting the cluster CA, with SCRAM-SHA-512 as its own Kafka user', () => {
    const user = find('KafkaUser', 'kafka-ui');
    for (const name of ['ticketing', 'ticketing-unmasked']) {
      const c = cluster(name);
      expect(c.bootstrapServers).toBe('ticketing-kafka-kafka-bootstrap:9093');
      expect(c.readOnly).toBe(true);
      expect(c.properties).toMatchObject({
        'security.protocol': 'SASL_SSL',
        'sasl.mechanism': 'SCRAM-SHA-512',
        'ssl.truststore.type': 'PEM',
        'sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="${user.metadata.name}" password="<secret ${user.metadata.name}/password>";`,
      });
      const ca = c.properties['ssl.truststore.location']!;
      const caMount = container.volumeMounts.find((m) => ca.startsWith(`${m.mountPath}/`))!;
      expect(pod.volumes.find((v) => v.name === caMount.name)!.secret!.secretName).toBe(
        'ticketing-kafka-cluster-ca-cert',
      );
    }
    expect((user.spec as { authentication: { type: string } }).authentication.type).toBe(
      'scram-sha-512',
    );
  });

  it("when its Kafka user's ACLs are read, then it may read and describe topics and describe groups, and nothing else", () => {
    const acls = (
      find('KafkaUser', 'kafka-ui').spec as {
        authorization: { acls: { resource: { type: string }; operations: string[] }[] };
      }
    ).authorization.acls;
    const allowed = acls.flatMap((a) => a.operations.map((op) => `${a.resource.type}:${op}`));
    expect(allowed.sort()).toEqual(
      ['group:Describe', 'topic:Describe', 'topic:DescribeConfigs', 'topic:Read'].sort(),
    );
  });

  it('when someone opens it, then they log in through the OpenID provider of the API', () => {
    expect(config.auth.type).toBe('OAUTH2');
    const clients = Object.values(config.auth.oauth2.client);
    expect(clients).toHaveLength(1);
    expect(clients[0]).toMatchObject({
      clientId: 'kafka-ui',
      clientSecret: '<secret kafka-ui-oauth/client-secret>',
      'issuer-uri': identity.data.OIDC_ISSUER_URL,
      'custom-params': { type: 'oauth', 'roles-field': 'roles' },
    });
    expect(String(clients[0]!.scope).split(',')).toEqual(['openid', 'roles']);
  });

  it('when an engineer logs in, then they read topics, messages with user ids masked, and groups, and change nothing', () => {
    const engineers = role('engineers');
    expect(engineers.subjects).toEqual([
      { provider: 'oauth', type: 'role', value: 'ticketing:engineer' },
    ]);
    expect(engineers.clusters).toEqual(['ticketing']);
    const actions = engineers.permissions.flatMap((p) =>
      (Array.isArray(p.actions) ? p.actions : [p.actions]).map((a) => a.toLowerCase()),
    );
    expect(new Set(actions)).toEqual(new Set(['view', 'messages_read', 'analysis_view']));
  });

  it('when an operator (ticketing:admin) logs in, then they also see the unmasked messages, and still change nothing', () => {
    const admins = role('admins');
    expect(admins.subjects).toEqual([
      { provider: 'oauth', type: 'role', value: 'ticketing:admin' },
    ]);
    expect(admins.clusters.sort()).toEqual(['ticketing', 'ticketing-unmasked']);
    for (const p of admins.permissions)
      for (const a of Array.isArray(p.actions) ? p.actions : [p.actions])
        expect(['view', 'messages_read', 'analysis_view']).toContain(a.toLowerCase());
    // Only operators reach the unmasked view.
    const unmaskedRoles = config.rbac.roles.filter((r) =>
      r.clusters.includes('ticketing-unmasked'),
    );
    expect(unmaskedRoles.map((r) => r.name)).toEqual(['admins']);
    expect(cluster('ticketing-unmasked').masking).toBeUndefined();
  });

  it("when a message carries a user id, in its data or as its key, then the engineers' view masks it", () => {
    const masking = cluster('ticketing').masking!;
    const maskedFields = new Set(
      masking.filter((m) => m.topicValuesPattern === '.*').flatMap((m) => m.fields ?? []),
    );
    for (const m of MESSAGES)
      for (const field of userIdFields(m))
        expect({ type: m.type, field, masked: maskedFields.has(field) }).toEqual({
          type: m.type,
          field,
          masked: true,
        });
    const keyRules = masking.filter((m) => m.topicKeysPattern);
    const keyMasked = (topic: string) =>
      keyRules.some((r) => new RegExp(r.topicKeysPattern!).test(topic) && !r.fields);
    const topics = [...new Set(MESSAGES.map((m) => m.topic))];
    for (const topic of topics) {
      const userKeyed = MESSAGES.filter((m) => m.topic === topic).some((m) =>
        userIdFields(m).some((f) => keyTemplate(m).includes(`{${f}}`)),
      );
      for (const t of [topic, `${topic}.dlt`])
        expect({ topic: t, keyMasked: keyMasked(t) }).toEqual({ topic: t, keyMasked: userKeyed });
    }
  });

  it('when the network is asked, then nothing reaches it but port-forward, and it reaches only the brokers, the OpenID provider and DNS', () => {
    const policy = find('NetworkPolicy', 'kafka-ui');
    const spec = policy.spec as {
      podSelector: { matchLabels: Record<string, string> };
      policyTypes: string[];
      ingress: unknown[];
      egress: { to?: unknown[]; ports: { port: number }[] }[];
    };
    expect(spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'kafka-ui' });
    expect(spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    expect(spec.ingress).toEqual([]);
    const ports = spec.egress.flatMap((e) => e.ports.map((p) => p.port)).sort((a, b) => a - b);
    expect(ports).toEqual([53, 53, 443, 8090, 9093]);
    expect(docs.some((d) => d.kind === 'HTTPRoute' && JSON.stringify(d).includes('kafka-ui'))).toBe(
      false,
    );
  });
});
