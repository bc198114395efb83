import { chromiumUp } from './chromium';
import { ensureDebianPackage } from './debian';
import { exitOnError, say } from './settings';
import {
  infraDown,
  infraStatus,
  infraUp,
  productionShapeDown,
  productionShapeSwitchover,
  settingsFromEnv,
} from './index';

async function main(command: string | undefined, flags: string[]): Promise<number> {
  // `--shape=production`: the same as INFRA_SHAPE=production (ADR 0022).
  const shape = flags.find((f) => f.startsWith('--shape='));
  if (shape) process.env.INFRA_SHAPE = shape.slice('--shape='.length);
  switch (command) {
    case 'up':
      // `--no-oidc`: npm test runs an OpenID provider of its own (tools/testing global setup).
      await infraUp(settingsFromEnv(), { oidc: !flags.includes('--no-oidc') });
      return 0;
    case 'down':
      // With `--shape=production`, only the production shape; otherwise all infra:up started.
      if (shape) await productionShapeDown();
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
      await productionShapeSwitchover();
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
      console.error(
        'usage: infra up [--no-oidc] [--shape=local|production] | down [--shape=production] | status | switchover | haproxy | browser',
      );
      return 2;
  }
}

main(process.argv[2], process.argv.slice(3)).then(
  (code) => process.exit(code),
  (err: unknown) => exitOnError('infra', err),
);
