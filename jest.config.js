/** One jest run over every workspace. Unit tests need nothing running; integration and
 * end-to-end tests use the real Postgres, Redis and Kafka that `npm run infra:up` provides. */
const swc = ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }];
/**
 * ECMAScript-only packages the code require()s (@platformatic/kafka, ADR 0018): Node 24 loads
 * them as they are, jest's module loader only with --experimental-vm-modules, so jest gets them
 * compiled to CommonJS.
 */
const ESM_ONLY = [
  '@platformatic/kafka',
  '@platformatic/dynamic-buffer',
  '@platformatic/wasm-utils',
];
const transform = { '^.+\\.ts$': swc, [`/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: swc };
const transformIgnorePatterns = [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`];
const moduleNameMapper = {
  '^@ticketing/(infra|testing|launcher)$': '<rootDir>/tools/$1/src',
  '^@ticketing/([^/]+)/wiring$': '<rootDir>/libs/$1/src/wiring',
  '^@ticketing/([^/]+)$': '<rootDir>/libs/$1/src',
};
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns,
  moduleNameMapper,
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/**/test/**/*.unit.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/**/test/**/*.int.test.ts'],
      globalSetup: '<rootDir>/tools/testing/src/global-setup.ts',
      globalTeardown: '<rootDir>/tools/testing/src/global-teardown.ts',
      // A heavy file runs alone on the machine, the others side by side (heavy-turn.ts).
      setupFilesAfterEnv: ['<rootDir>/tools/testing/src/machine-turn-setup.ts'],
    },
  ],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // Long files first on a fresh clone too (`@slow <seconds>` in the file), not by file size.
  testSequencer: '<rootDir>/tools/testing/slow-first-sequencer.js',
  // A global option (not per project): integration tests wait on real brokers and databases.
  testTimeout: 60_000,
  // Integration tests mostly wait (on Kafka, Postgres, timers), not compute: two files at a time
  // on two cores (jest's default there is one). Three were as fast on faster VMs, but on a slow
  // one they overloaded the machine until time-bound tests missed their windows (docs/testing.md).
  // Postgres's 100 connections bound it too: whole systems run with small pools (SYSTEM_DB_POOL_MAX).
  maxWorkers: 2,
};
