// @ts-check
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';
import { kafkaClientRules, kafkaClientsOutside } from './eslint.kafka-clients.mjs';

/**
 * A service's parts (ADR 0008). Folders are elements (the deepest match names a file's element);
 * the files directly in `src/` belong to the service itself and are told apart by category.
 */
const SERVICE_LAYERS = [
  { type: 'entry-points', pattern: 'services/*/src/entry-points', capture: ['service'] },
  { type: 'domain', pattern: 'services/*/src/domain', capture: ['service'] },
  { type: 'data-access', pattern: 'services/*/src/data-access', capture: ['service'] },
  { type: 'migrations', pattern: 'services/*/migrations', capture: ['service'] },
];
const ELEMENTS = [
  ...SERVICE_LAYERS,
  { type: 'service', pattern: 'services/*', capture: ['service'] },
  { type: 'contracts', pattern: 'libs/contracts' },
  { type: 'lib', pattern: 'libs/*', capture: ['lib'] },
  { type: 'tool', pattern: 'tools/*', capture: ['tool'] },
  { type: 'gateway', pattern: 'gateway' },
  { type: 'bench', pattern: 'bench' },
].map((element) => ({ ...element, partialMatch: false }));
const FILES = [
  { category: 'config', pattern: 'services/*/src/config.ts' },
  { category: 'wiring', pattern: 'services/*/src/*.ts' },
];
const SERVICE_PARTS = [...SERVICE_LAYERS.map((e) => e.type), 'service'];

const DRIVERS = [
  'knex',
  'pg',
  'kafkajs',
  '@platformatic/kafka',
  '@confluentinc/kafka-javascript',
  'ioredis',
  'fastify',
];

const CODE = [
  'libs/*/src/**/*.ts',
  'services/*/src/**/*.ts',
  'gateway/src/**/*.ts',
  'tools/*/src/**/*.ts',
  'bench/src/**/*.ts',
];
/** Packages of this repository that are programs, not libraries. */
const PROGRAMS = [
  '@ticketing/queue',
  '@ticketing/concert',
  '@ticketing/reservation',
  '@ticketing/wallet',
  '@ticketing/payment',
  '@ticketing/gateway',
  '@ticketing/bench',
  '@ticketing/infra',
  '@ticketing/runner',
  '@ticketing/launcher',
  '@ticketing/oidc-provider',
];

const part = (type) => ({ element: { type } });
const parts = (types) => ({ element: { types: { anyOf: types } } });
const serviceFile = (category) => ({
  element: { type: 'service' },
  file: { categories: category },
});
const packages = (names) => ({ module: { origin: 'external', source: names } });

/** What may not depend on what; anything else may (ADR 0008). */
const POLICIES = [
  {
    from: part('data-access'),
    disallow: { to: [part('entry-points'), part('service')] },
    message: 'data-access knows nothing above it: records and SQL only (ADR 0008)',
  },
  {
    // The domain owns its records; data-access maps rows to them and may name their types,
    // but never runs domain code.
    from: part('data-access'),
    disallow: { to: part('domain'), dependency: { kind: 'value' } },
    message: 'data-access knows nothing above it but the types of the domain records (ADR 0008)',
  },
  {
    from: part('domain'),
    disallow: { to: [part('entry-points'), part('service')] },
    message: 'the domain is called by entry points, it does not call them (ADR 0008)',
  },
  {
    // Not even a type: the domain declares the ports it needs (repositories, stores, clocks,
    // publishers) in its own files, data-access implements them, start.ts wires them.
    from: part('domain'),
    disallow: { to: part('data-access') },
    message:
      'the domain declares its ports, data-access implements them: no import of data-access, not even a type (ADR 0008)',
  },
  {
    from: part('domain'),
    disallow: { to: packages(DRIVERS) },
    message: 'no driver in the domain: data-access talks to Postgres, Redis and Kafka (ADR 0008)',
  },
  {
    from: part('entry-points'),
    disallow: { to: [part('data-access'), part('service')] },
    message: 'entry points reach data through the domain (ADR 0008)',
  },
  {
    from: [serviceFile('config'), part('migrations')],
    disallow: { to: [parts(['entry-points', 'domain', 'data-access']), serviceFile('wiring')] },
    message: 'configuration and migrations stand on the libraries alone (ADR 0008)',
  },
  {
    from: parts(SERVICE_PARTS),
    disallow: {
      to: {
        element: {
          types: { anyOf: SERVICE_PARTS },
          captured: { service: '!{{ from.element.captured.service }}' },
        },
      },
    },
    message: 'a service never imports another service: they talk over HTTP and Kafka',
  },
  {
    from: parts([...SERVICE_PARTS, 'lib', 'contracts']),
    disallow: { to: [parts(['tool', 'gateway', 'bench']), packages(PROGRAMS)] },
    message: 'services and libraries import libraries only: no program, tool, gateway or bench',
  },
  {
    from: parts(['lib', 'contracts']),
    disallow: { to: parts(SERVICE_PARTS) },
    message: 'libraries hold plumbing and contracts, never a service',
  },
  {
    from: part('contracts'),
    disallow: { to: [part('lib'), { module: { origin: 'external', source: '!zod' } }] },
    message: 'libs/contracts is a leaf: schemas and types, zod only',
  },
];

export default tseslint.config(
  // apps/fan/src/generated: the fan app's API types, generated by its build (openapi-typescript).
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '.infra/**',
      'coverage/**',
      'apps/fan/src/generated/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['**/*.ts'],
    ignores: ['**/test/**'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': ELEMENTS,
      'boundaries/elementsSingleMatch': true,
      'boundaries/files': FILES,
      'boundaries/filesSingleMatch': true,
      // Our packages are judged by name, built or not (their dist/ is not always there).
      'boundaries/flag-as-external': { customSourcePatterns: ['@ticketing/*', '@ticketing/*/*'] },
      // Tests, deploy checks and build output stand outside the layers.
      'boundaries/ignore': ['**/test/**', '**/dist/**', 'deploy/**', '*.mjs', '*.js'],
      'import/resolver': { node: { extensions: ['.ts', '.js', '.mjs'] } },
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        { default: 'allow', checkAllOrigins: true, policies: POLICIES },
      ],
    },
  },
  ...kafkaClientRules(CODE),
  {
    // Transactions travel through the domain as opaque handles; only data-access opens them.
    files: ['services/*/src/domain/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { property: 'knex', message: 'the knex handle is for data-access (ADR 0008)' },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@ticketing/platform',
              importNames: ['Knex'],
              message: 'the domain holds a Database or Transaction, never knex (ADR 0008)',
            },
          ],
          patterns: [
            ...kafkaClientsOutside(undefined),
            {
              // Every library's runtime is its own entry point (`@ticketing/platform/wiring` and
              // its database-free part `/process`, `@ticketing/messaging/wiring`): clients, pools,
              // servers, consumers, relays and loops are wired in start.ts and handed to the domain.
              regex: '^@ticketing/[^/]+/(wiring|process)$',
              message:
                'a runtime entry point: start.ts wires it, the domain is handed what it needs (ADR 0008)',
            },
            {
              // The waiting line's durability is one module with one port: its parts stay inside.
              regex: '/line-durability/.',
              message: "import the line's durability from its folder's index (ADR 0038)",
            },
          ],
        },
      ],
    },
  },
  {
    // Type-aware rules on the code that ships: a promise nobody awaits or catches, a promise
    // where the caller ignores what a callback returns, a switch that forgets a case.
    files: [
      'libs/*/src/**/*.ts',
      'services/*/src/**/*.ts',
      'services/*/migrations/**/*.ts',
      'gateway/src/**/*.ts',
      'tools/*/src/**/*.ts',
      'bench/src/**/*.ts',
    ],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', 'tools/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { __dirname: 'readonly', module: 'writable', require: 'readonly' },
    },
    // CommonJS files (jest's configuration and sequencer) load modules with require().
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
