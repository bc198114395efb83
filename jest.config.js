/** One jest run over every workspace. Unit tests need nothing running; integration and
 * end-to-end tests use the real Postgres, Redis and Kafka that `npm run infra:up` provides. */
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
const moduleNameMapper = {
  '^@ticketing/(infra|testing)$': '<rootDir>/tools/$1/src',
  '^@ticketing/([^/]+)$': '<rootDir>/libs/$1/src',
};
const common = { rootDir: __dirname, testEnvironment: 'node', transform, moduleNameMapper };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/**/test/**/*.unit.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/**/test/**/*.int.test.ts'],
      globalSetup: '<rootDir>/tools/testing/src/global-setup.ts',
      globalTeardown: '<rootDir>/tools/testing/src/global-teardown.ts',
    },
  ],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // A global option (not per project): integration tests wait on real brokers and databases.
  testTimeout: 60_000,
  // Integration tests mostly wait (on Kafka, Postgres, timers): two files at a time on any
  // machine, where jest's default on two cores is one.
  maxWorkers: 2,
};
