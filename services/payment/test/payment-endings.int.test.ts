import pg from 'pg';
import { eventually } from '@ticketing/testing';
import { PaymentDeployment } from './harness';

/**
 * `Prefer: wait` is woken by a LISTEN connection to the payment database. When that connection
 * is lost while the database still refuses new ones, the listener keeps trying until it is back.
 */
describe('the listener for ended payments', () => {
  let deployment: PaymentDeployment;
  let admin: pg.Client;
  let database: string;

  beforeAll(async () => {
    deployment = await PaymentDeployment.create();
    await deployment.startInstance();
    database = new URL(deployment.databaseUrl).pathname.slice(1);
    const url = new URL(deployment.databaseUrl);
    url.pathname = '/postgres';
    admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.query(`alter database "${database}" allow_connections true`);
    await admin.end();
    await deployment.stop();
  });

  const listeners = async () =>
    (
      await admin.query<{ pid: number }>(
        `select pid from pg_stat_activity where datname = $1 and query ilike 'listen payment_ended%'`,
        [database],
      )
    ).rows;

  it('when its connection is cut while the database refuses connections, then it keeps reconnecting until it listens again', async () => {
    expect(await listeners()).toHaveLength(1);
    await admin.query(`alter database "${database}" allow_connections false`);
    await admin.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and query ilike $2',
      [database, 'listen payment_ended%'],
    );
    await eventually(async () => expect(await listeners()).toHaveLength(0));
    // The outage lasts longer than the first reconnect's delay: that attempt fails.
    await eventually(
      () =>
        expect(deployment.logs()).toContainEqual(
          expect.objectContaining({ msg: expect.stringContaining('could not reconnect') }),
        ),
      { timeoutMs: 15_000 },
    );
    await admin.query(`alter database "${database}" allow_connections true`);
    await eventually(async () => expect(await listeners()).toHaveLength(1), { timeoutMs: 30_000 });
  });
});
