import fs from 'node:fs';
import path from 'node:path';
import { wallet as contracts } from '@ticketing/contracts';
import { TopicNamespace, buildMessage } from '@ticketing/messaging';
import {
  createKafka,
  ensureTopics,
  publishNow,
  type KafkaClient,
} from '@ticketing/messaging/wiring';
import { kafkaClientFrom, kafkaSecurityFrom } from '@ticketing/platform';
import {
  PrivateKafka,
  captureLogs,
  clusterAdmin,
  describeNeeding,
  eventually,
  makeTestCa,
  randomSuffix,
  uuid,
  type AclGrant,
} from '@ticketing/testing';
import { WalletDeployment, charge } from './harness';

const USERS = [
  { name: 'wallet', password: `wallet-${uuid()}` },
  { name: 'queue', password: `queue-${uuid()}` },
];
const { logger } = captureLogs('kafka-security');

/**
 * A service on a broker like a Strimzi `tls` listener with SCRAM users (ADR 0010): the wallet
 * service with its own user and only its topics' ACLs works through TLS + SCRAM; a wrong password
 * is refused, and another service's user cannot read the wallet's commands.
 */
describeNeeding(
  'java',
  PrivateKafka.available(),
  'Java is needed to run a broker of this test',
)('a service on a broker through TLS and SCRAM-SHA-512, with ACLs', () => {
  let broker: PrivateKafka;
  let ca: ReturnType<typeof makeTestCa>;
  let deployment: WalletDeployment;
  let superUser: KafkaClient;
  const ns = new TopicNamespace(`sec${randomSuffix()}.`);
  const group = `wallet-${randomSuffix()}`;
  const commands = ns.name('wallet.commands');
  const events = ns.name('wallet.events');

  const secured = (user: { name: string; password: string }) =>
    createKafka({
      client: kafkaClientFrom(process.env),
      brokers: broker.secureBrokers,
      clientId: `test-${user.name}`,
      logger,
      security: kafkaSecurityFrom({
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: user.name,
        KAFKA_SASL_PASSWORD: user.password,
        KAFKA_SSL_CA_FILE: ca.caFile,
      }),
    });

  beforeAll(async () => {
    ca = makeTestCa();
    broker = await PrivateKafka.start({ keystorePem: ca.serverPem, users: USERS });
    superUser = createKafka({
      client: kafkaClientFrom(process.env),
      brokers: broker.brokers,
      clientId: 'setup',
      logger,
    });
    await ensureTopics(superUser, [commands, events, ns.name('queue.commands')], { partitions: 1 });
    const allow = (
      type: AclGrant['resource']['type'],
      name: string,
      operation: AclGrant['operation'],
    ): AclGrant => ({ principal: 'User:wallet', resource: { type, name }, operation });
    // What the wallet's KafkaUser allows in deploy/k8s: its commands, its events, its group.
    await clusterAdmin(broker.brokers).grantAcls([
      allow('topic', commands, 'read'),
      allow('topic', commands, 'describe'),
      allow('topic', events, 'write'),
      allow('topic', events, 'describe'),
      allow('topic', `${commands}.dlt`, 'write'),
      allow('group', group, 'read'),
    ]);
    const passwordFile = path.join(ca.dir, 'wallet-password');
    fs.writeFileSync(passwordFile, `${USERS[0]!.password}\n`); // as Strimzi's Secret is mounted
    deployment = await WalletDeployment.create();
    await deployment.startInstance({
      KAFKA_BROKERS: broker.secureBrokers.join(','),
      KAFKA_TOPIC_PREFIX: ns.prefix,
      KAFKA_CONSUMER_GROUP: group,
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_USERNAME: 'wallet',
      KAFKA_SASL_PASSWORD_FILE: passwordFile,
      KAFKA_SSL_CA_FILE: ca.caFile,
    });
  }, 180_000);
  afterAll(async () => {
    await deployment?.stop();
    await broker?.destroy();
    if (ca) fs.rmSync(ca.dir, { recursive: true, force: true });
  });

  it('when the service has its own user, then it takes its commands and answers, through TLS and SCRAM', async () => {
    const userId = uuid();
    await charge(deployment.instances[0]!.url, userId, 10_000);
    const replies: string[] = [];
    const consumer = superUser.groupMember(`watch-${randomSuffix()}`, {
      assigned: () => undefined,
      left: () => undefined,
      rebalancing: () => undefined,
      crashed: () => undefined,
    });
    await consumer.run({
      topics: [events],
      fromBeginning: true,
      concurrency: 1,
      eachBatch: async ({ messages }) => {
        for (const message of messages) replies.push(message.value!.toString());
      },
    });
    const producer = superUser.publisher();
    await producer.connect();
    const paymentId = uuid();
    await publishNow(
      producer,
      [
        buildMessage(
          contracts.debitWallet,
          { paymentId, userId, amount: 4000 },
          { source: 'test' },
        ),
      ],
      ns,
    );
    try {
      await eventually(
        () =>
          expect(
            replies.map((r) => JSON.parse(r) as { type: string; data: { paymentId: string } }),
          ).toContainEqual(
            expect.objectContaining({
              type: 'wallet.debited',
              data: expect.objectContaining({ paymentId }),
            }),
          ),
        { timeoutMs: 30_000 },
      );
    } finally {
      await producer.disconnect();
      await consumer.stop();
    }
  });

  it('when the password is wrong, then the broker refuses the connection', async () => {
    const admin = secured({ name: 'wallet', password: 'not-the-password' }).admin();
    await expect(admin.connect()).rejects.toThrow(/SASL|[Aa]uthenticat/);
    await admin.disconnect().catch(() => undefined);
  });

  it("when another service's user reads the wallet's commands, then the broker refuses it", async () => {
    const admin = secured(USERS[1]!).admin();
    await admin.connect(); // the queue's user is who it says it is...
    try {
      // ...but may not see the wallet's topic.
      await expect(admin.topicOffsets(commands)).rejects.toThrow(/authoriz/i);
    } finally {
      await admin.disconnect();
    }
  });
});
