// @ts-check
// The lint rules that keep each Kafka client in its one adapter folder (ADR 0018), for
// eslint.config.mjs.

/**
 * Each Kafka client is known to its one adapter folder only (ADR 0018); @platformatic/kafka to
 * the tests' cluster admin as well (ACLs and topic settings, which the port leaves out).
 */
const KAFKA_ADAPTERS = {
  kafkajs: { regex: '^kafkajs(/.*)?$', folders: ['libs/messaging/src/kafkajs'] },
  '@platformatic/kafka': {
    regex: '^@platformatic/kafka(/.*)?$',
    folders: ['libs/messaging/src/platformatic', 'tools/testing/src/cluster-admin'],
  },
  '@confluentinc/kafka-javascript': {
    regex: '^@confluentinc/kafka-javascript(/.*)?$',
    folders: ['libs/messaging/src/confluent'],
  },
};
/** The imports refused to code outside `except`'s folders: every other Kafka client. */
export const kafkaClientsOutside = (except) =>
  Object.entries(KAFKA_ADAPTERS)
    .filter(([name]) => name !== except)
    .map(([name, { regex, folders }]) => ({
      regex,
      message: `${name} is known only to ${folders.join(' and ')} (ADR 0018); use the port in libs/messaging/src/broker.ts`,
    }));

/** The rules: `code` refuses every client outside its folders; each folder refuses the others. */
export const kafkaClientRules = (code) => [
  {
    // One folder knows each Kafka client (ADR 0018): the rest of the code sees the project's port.
    files: code,
    ignores: [
      ...Object.values(KAFKA_ADAPTERS).flatMap((a) => a.folders.map((folder) => `${folder}/**`)),
      'libs/contracts/**',
    ],
    rules: {
      'no-restricted-imports': ['error', { patterns: kafkaClientsOutside(undefined) }],
    },
  },
  ...Object.entries(KAFKA_ADAPTERS).flatMap(([name, { folders }]) =>
    folders.map((folder) => ({
      files: [`${folder}/**/*.ts`],
      rules: { 'no-restricted-imports': ['error', { patterns: kafkaClientsOutside(name) }] },
    })),
  ),
];
