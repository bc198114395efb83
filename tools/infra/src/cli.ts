import { chromiumUp } from './chromium';
import { ensureDebianPackage } from './debian';
import { exitOnError, say } from './settings';
import {
  infraDown,
  infraShapeDown,
  infraStatus,
  infraSwitchover,
  infraUp,
  settingsFromEnv,
} from './index';

const USAGE = `usage: infra up [--no-oidc] [--shape=local|production] | down [--shape=production] | status | switchover | haproxy | browser
  --shape=local       one of each, the default: Postgres, Redis, one Kafka broker
  --shape=production  a local stand-in for production's shape (deploy/k8s is the real one): three
                      Kafka brokers, a Postgres primary and standby behind one rw address with
                      their operator, a Redis Cluster of three primaries with a replica each
  switchover          the stand-in's planned Postgres switchover, done by its operator`;

async function main(command: string | undefined, flags: string[]): Promise<number> {
  // `--shape=production`: the same as INFRA_SHAPE=production, the local stand-in for
  // production's shape (ADR 0022).
  const shape = flags.find((f) => f.startsWith('--shape='));
  if (shape) process.env.INFRA_SHAPE = shape.slice('--shape='.length);
  switch (command) {
    case 'up':
      // `--no-oidc`: npm test runs an OpenID provider of its own (tools/testing global setup).
      await infraUp(settingsFromEnv(), { oidc: !flags.includes('--no-oidc') });
      return 0;
    case 'down':
      // With `--shape=production`, only the production shape; otherwise all infra:up started.
      if (shape) await infraShapeDown();
      else await infraDown();
      return 0;
    case 'status': {
      const status = await infraStatus();
      for (const [name, s] of Object.entries(status)) {
        console.log(
          `${name.padEnd(9)} ${s.reachable ? 'up  ' : 'DOWN'} ${s.startedByUs ? '(started by infra:up)' : ''}`,
        );
      }
      return Object.values(status).every((s) => s.reachable) ? 0 : 1;
    }
    case 'switchover':
      // The production shape's Postgres: primary shut down, standby promoted (ADR 0023).
      await infraSwitchover();
      return 0;
    case 'haproxy':
      // The production shape's rw address (ADR 0023), installed when missing.
      say(`HAProxy at ${ensureDebianPackage('haproxy', 'haproxy')}`);
      return 0;
    case 'browser':
      // The browser tests' Chromium (Debian's package), installed when missing.
      chromiumUp();
      return 0;
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv[2], process.argv.slice(3)).then(
  (code) => process.exit(code),
  (err: unknown) => exitOnError('infra', err),
);
