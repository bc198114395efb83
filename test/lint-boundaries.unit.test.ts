import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

// ESLint loads eslint.config.mjs with a dynamic import, which jest's module sandbox cannot do:
// the scratch files are linted by the real ESLint in a child process, all in one run.
const LINT = `
const { ESLint } = require('eslint');
(async () => {
  const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
  // Scratch files are on no TypeScript project: the type-aware rules (which need one) are off
  // here, every import rule is the project's own.
  const eslint = new ESLint({
    cwd: process.cwd(),
    overrideConfig: {
      files: ['**/*.ts'],
      languageOptions: { parserOptions: { projectService: false } },
      rules: {
        '@typescript-eslint/no-floating-promises': 'off',
        '@typescript-eslint/no-misused-promises': 'off',
        '@typescript-eslint/switch-exhaustiveness-check': 'off',
      },
    },
  });
  const out = [];
  for (const c of cases) {
    const [result] = await eslint.lintText(c.code, { filePath: c.file });
    out.push(result.messages.map((m) => m.message));
  }
  process.stdout.write(JSON.stringify(out));
})();
`;

function lintAll(cases: { file: string; code: string }[]): string[][] {
  const run = spawnSync(process.execPath, ['-e', LINT], {
    cwd: ROOT,
    input: JSON.stringify(cases.map((c) => ({ ...c, file: path.join(ROOT, c.file) }))),
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (run.status !== 0) throw new Error(`eslint failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as string[][];
}

/**
 * The import rules of ADR 0008, proven on scratch files linted with the project's own
 * configuration (`npm run lint`): each wrong import is refused with its reason, and the
 * imports the layering allows pass.
 */
const REFUSED: [string, string, string, string][] = [
  [
    'data-access importing the domain',
    'services/wallet/src/data-access/scratch.ts',
    "import { chargeAmountProblem } from '../domain/amounts';\nexport const x = chargeAmountProblem;",
    'data-access knows nothing above it',
  ],
  [
    'data-access importing the wiring',
    'services/wallet/src/data-access/scratch.ts',
    "import { start } from '../start';\nexport const x = start;",
    'data-access knows nothing above it',
  ],
  [
    'the domain importing an entry point',
    'services/wallet/src/domain/scratch.ts',
    "import { httpRoutes } from '../entry-points/http/routes';\nexport const x = httpRoutes;",
    'the domain is called by entry points',
  ],
  [
    'the domain importing data-access',
    'services/wallet/src/domain/scratch.ts',
    "import { WalletRepository } from '../data-access/wallet-repository';\nexport const x = WalletRepository;",
    'the domain declares its ports, data-access implements them',
  ],
  [
    'the domain importing a type of data-access',
    'services/queue/src/domain/scratch.ts',
    "import type { RedisQueueStore } from '../data-access/queue-store';\nexport type X = RedisQueueStore;",
    'the domain declares its ports, data-access implements them',
  ],
  [
    'the domain importing a driver',
    'services/wallet/src/domain/scratch.ts',
    "import knex from 'knex';\nexport const x = knex;",
    'no driver in the domain',
  ],
  [
    "the domain reaching a transaction's knex handle",
    'services/wallet/src/domain/scratch.ts',
    'export const x = (tx: { knex: unknown }) => tx.knex;',
    'the knex handle is for data-access',
  ],
  [
    'an entry point importing data-access',
    'services/wallet/src/entry-points/scratch.ts',
    "import { WalletRepository } from '../data-access/wallet-repository';\nexport const x = WalletRepository;",
    'entry points reach data through the domain',
  ],
  [
    'a service importing another service by path',
    'services/wallet/src/domain/scratch.ts',
    "import { SeatHolds } from '../../../reservation/src/domain/holds';\nexport const x = SeatHolds;",
    'a service never imports another service',
  ],
  [
    'a service importing another service by package',
    'services/wallet/src/domain/scratch.ts',
    "import { start } from '@ticketing/concert';\nexport const x = start;",
    'import libraries only',
  ],
  [
    'a library importing a tool',
    'libs/platform/src/scratch.ts',
    "import { ROOT } from '@ticketing/infra';\nexport const x = ROOT;",
    'import libraries only',
  ],
  [
    'a library importing a service',
    'libs/messaging/src/scratch.ts',
    "import { start } from '../../../services/wallet/src/start';\nexport const x = start;",
    'libraries hold plumbing and contracts, never a service',
  ],
  [
    'the contracts importing another library',
    'libs/contracts/src/scratch.ts',
    "import { AppError } from '@ticketing/platform';\nexport const x = AppError;",
    'libs/contracts is a leaf',
  ],
  [
    'the contracts importing a driver',
    'libs/contracts/src/scratch.ts',
    "import { Kafka } from 'kafkajs';\nexport const x = Kafka;",
    'libs/contracts is a leaf',
  ],
  [
    "the domain importing messaging's runtime entry point",
    'services/wallet/src/domain/scratch.ts',
    "import { createKafka } from '@ticketing/messaging/wiring';\nexport const x = createKafka;",
    'a runtime entry point: start.ts wires it',
  ],
  [
    'the domain holding knex',
    'services/wallet/src/domain/scratch.ts',
    "import type { Knex } from '@ticketing/platform';\nexport type X = Knex;",
    'never knex',
  ],
  [
    "the domain importing the platform's runtime entry point",
    'services/wallet/src/domain/scratch.ts',
    "import { runService } from '@ticketing/platform/wiring';\nexport const x = runService;",
    'a runtime entry point: start.ts wires it',
  ],
  [
    "the domain importing the platform's database-free runtime entry point",
    'services/wallet/src/domain/scratch.ts',
    "import { PeriodicTask } from '@ticketing/platform/process';\nexport const x = PeriodicTask;",
    'a runtime entry point: start.ts wires it',
  ],
  [
    'the messaging library importing kafkajs outside its adapter',
    'libs/messaging/src/scratch.ts',
    "import { Kafka } from 'kafkajs';\nexport const x = Kafka;",
    'kafkajs is known only to libs/messaging/src/kafkajs',
  ],
  [
    'the messaging library importing @platformatic/kafka outside its adapter',
    'libs/messaging/src/scratch.ts',
    "import { Producer } from '@platformatic/kafka';\nexport const x = Producer;",
    '@platformatic/kafka is known only to libs/messaging/src/platformatic',
  ],
  [
    "one client's adapter importing the other client",
    'libs/messaging/src/platformatic/scratch.ts',
    "import { Kafka } from 'kafkajs';\nexport const x = Kafka;",
    'kafkajs is known only to libs/messaging/src/kafkajs',
  ],
  [
    'a tool importing a Kafka client',
    'tools/infra/src/scratch.ts',
    "import { Admin } from '@platformatic/kafka';\nexport const x = Admin;",
    '@platformatic/kafka is known only to libs/messaging/src/platformatic',
  ],
  [
    "the tests' helpers importing @platformatic/kafka outside their cluster admin",
    'tools/testing/src/scratch.ts',
    "import { Admin } from '@platformatic/kafka';\nexport const x = Admin;",
    '@platformatic/kafka is known only to libs/messaging/src/platformatic',
  ],
  [
    "the tests' cluster admin importing kafkajs",
    'tools/testing/src/cluster-admin/scratch.ts',
    "import { Kafka } from 'kafkajs';\nexport const x = Kafka;",
    'kafkajs is known only to libs/messaging/src/kafkajs',
  ],
  [
    'the bench importing a Kafka client',
    'bench/src/scratch.ts',
    "import { Kafka } from 'kafkajs';\nexport const x = Kafka;",
    'kafkajs is known only to libs/messaging/src/kafkajs',
  ],
];

const ACCEPTED: [string, string, string][] = [
  [
    "data-access naming the domain's record types",
    'services/payment/src/data-access/scratch.ts',
    "import type { Saga } from '../domain/saga';\nexport type X = Saga;",
  ],
  [
    'the domain using its own ports and libraries',
    'services/wallet/src/domain/scratch.ts',
    "import type { WalletRepositories } from './repositories';\nimport { AppError } from '@ticketing/platform';\nexport const x = (r: WalletRepositories) => [r, AppError];",
  ],
  [
    'data-access implementing a port of the domain',
    'services/queue/src/data-access/scratch.ts',
    "import type { Catalog } from '../domain/stores';\nexport const x: Catalog = { salesOf: async () => null };",
  ],
  [
    'the domain writing a message into its transaction',
    'services/wallet/src/domain/scratch.ts',
    "import { buildMessage, enqueue, type TxContext } from '@ticketing/messaging';\nexport const x = [buildMessage, enqueue] as unknown as TxContext;",
  ],
  [
    'an entry point using the domain',
    'services/wallet/src/entry-points/scratch.ts',
    "import { Wallets } from '../domain/charges';\nexport const x = Wallets;",
  ],
  [
    'the wiring using every layer',
    'services/wallet/src/scratch.ts',
    "import { WalletRepository } from './data-access/wallet-repository';\nimport { Wallets } from './domain/charges';\nimport { httpRoutes } from './entry-points/http/routes';\nexport const x = [WalletRepository, Wallets, httpRoutes];",
  ],
  [
    'the wiring importing the runtime entry points',
    'services/wallet/src/scratch.ts',
    "import { runService } from '@ticketing/platform/wiring';\nimport { startPostgresMessaging } from '@ticketing/messaging/wiring';\nexport const x = [runService, startPostgresMessaging];",
  ],
  [
    'the kafkajs adapter importing kafkajs',
    'libs/messaging/src/kafkajs/scratch.ts',
    "import { Kafka } from 'kafkajs';\nexport const x = Kafka;",
  ],
  [
    'the @platformatic/kafka adapter importing @platformatic/kafka',
    'libs/messaging/src/platformatic/scratch.ts',
    "import { Producer } from '@platformatic/kafka';\nexport const x = Producer;",
  ],
  [
    "the tests' cluster admin importing @platformatic/kafka",
    'tools/testing/src/cluster-admin/scratch.ts',
    "import { Admin } from '@platformatic/kafka';\nexport const x = Admin;",
  ],
  [
    'a tool using the Kafka port',
    'tools/infra/src/scratch.ts',
    "import { createKafka } from '@ticketing/messaging/wiring';\nexport const x = createKafka;",
  ],
  [
    'the contracts using zod',
    'libs/contracts/src/scratch.ts',
    "import { z } from 'zod';\nexport const x = z.string();",
  ],
];

describe('lint: one direction between layers, services apart, libraries without tools', () => {
  let results: string[][];
  beforeAll(() => {
    results = lintAll([...REFUSED, ...ACCEPTED].map(([, file, code]) => ({ file, code })));
  });

  it.each(REFUSED.map((c, i) => [...c, i] as const))(
    'when %s, then lint refuses it',
    (_what, _file, _code, reason, i) => {
      expect(results[i]).toEqual([expect.stringContaining(reason)]);
    },
  );

  it.each(ACCEPTED.map((c, i) => [...c, REFUSED.length + i] as const))(
    'when %s, then lint accepts it',
    (_what, _file, _code, i) => {
      expect(results[i]).toEqual([]);
    },
  );
});
