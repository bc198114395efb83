import { TOPICS } from '@ticketing/contracts';
import { buildMessage, dltOf } from '@ticketing/messaging';
import { reservation as contracts } from '@ticketing/contracts';
import { TopicCapture, eventually } from '@ticketing/testing';
import type { ReservationServiceHandle } from '../src/start';
import { ReservationDeployment, call, tokenFor, topicNamespace, uuid } from './harness';

describe('saga commands', () => {
  let deployment: ReservationDeployment;
  let svc: ReservationServiceHandle;
  let events: TopicCapture;

  beforeAll(async () => {
    deployment = await ReservationDeployment.create();
    svc = await deployment.startInstance({
      HOLD_TTL_SECONDS: '2',
      HOLD_SWEEP_INTERVAL_MS: '3600000',
    });
    events = await TopicCapture.start([(await topicNamespace()).name(TOPICS.reservationEvents)]);
  });
  afterAll(async () => {
    await events.stop();
    await deployment.stop();
  });

  const repliesFor = (paymentId: string) =>
    events.where((m) => m.envelope?.correlationId === paymentId);

  async function hold(seatNo: number) {
    const schedule = await deployment.publishSchedule();
    const fan = await tokenFor(schedule.concertId);
    const res = await call('POST', `${svc.url}/reservations`, fan.token, {
      scheduleId: schedule.scheduleId,
      seatNo,
    });
    return { fan, reservationId: res.body.reservationId as string };
  }

  it('when a held seat is confirmed twice by the same payment (a retry), then it is applied once and answered twice identically', async () => {
    const { fan, reservationId } = await hold(1);
    const paymentId = uuid();
    const command = deployment.confirm({ reservationId, userId: fan.userId, paymentId });
    await deployment.send(...[command, command]); // a redelivery (same message id)
    await deployment.send(
      ...[deployment.confirm({ reservationId, userId: fan.userId, paymentId })],
    ); // a retry (new id)
    await eventually(() => expect(repliesFor(paymentId)).toHaveLength(2), { timeoutMs: 30_000 });
    const [first, second] = repliesFor(paymentId).map((m) => m.envelope!);
    expect(first!.type).toBe('reservation.confirmed');
    expect(second!.data).toEqual(first!.data);
    expect(first!.data).toMatchObject({ reservationId, paymentId, price: 77_000 });
    expect(first!.causationId).toBe(command.envelope.id);
    const row = await deployment.db('reservations').where({ id: reservationId }).first();
    expect(row).toMatchObject({ status: 'CONFIRMED', payment_id: paymentId });
    // One confirmation: the seat version moved once.
    expect(Number(row.seat_version)).toBe((first!.data as { seatVersion: number }).seatVersion);
  });

  it('when the hold has run out, then the confirmation is rejected EXPIRED and the seat is released', async () => {
    const { fan, reservationId } = await hold(2);
    await eventually(
      async () => {
        const { rows } = await deployment.db.raw(
          'select held_until <= now() as over from reservations where id = ?',
          [reservationId],
        );
        expect(rows[0].over).toBe(true);
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    const paymentId = uuid();
    await deployment.send(
      ...[deployment.confirm({ reservationId, userId: fan.userId, paymentId })],
    );
    // The confirmation found the hold over: it released the seat, then rejected, both caused by it.
    await eventually(() => expect(repliesFor(paymentId)).toHaveLength(2), { timeoutMs: 30_000 });
    expect(repliesFor(paymentId).map((m) => m.envelope!.type)).toEqual([
      'reservation.released',
      'reservation.confirm-rejected',
    ]);
    expect(repliesFor(paymentId)[1]!.envelope!.data).toMatchObject({ reason: 'EXPIRED' });
    expect(await deployment.db('reservations').where({ id: reservationId }).first()).toMatchObject({
      status: 'RELEASED',
      release_reason: 'EXPIRED',
    });
  });

  it("when another user's payment confirms the seat, then it is rejected FORBIDDEN; an unknown reservation NOT_FOUND", async () => {
    const { reservationId } = await hold(3);
    const paymentId = uuid();
    const missing = uuid();
    await deployment.send(
      ...[
        deployment.confirm({ reservationId, userId: uuid(), paymentId }),
        deployment.confirm({ reservationId: uuid(), userId: uuid(), paymentId: missing }),
      ],
    );
    await eventually(() => expect(repliesFor(paymentId)).toHaveLength(1), { timeoutMs: 30_000 });
    expect(repliesFor(paymentId)[0]!.envelope!.data).toMatchObject({ reason: 'FORBIDDEN' });
    await eventually(() => expect(repliesFor(missing)).toHaveLength(1), { timeoutMs: 30_000 });
    expect(repliesFor(missing)[0]!.envelope!.data).toMatchObject({ reason: 'NOT_FOUND' });
    expect(await deployment.db('reservations').where({ id: reservationId }).first()).toMatchObject({
      status: 'HELD',
    });
  });

  it('when a confirmation is reverted while the hold lasts, then the seat is HELD again; a second revert changes nothing', async () => {
    const { fan, reservationId } = await hold(4);
    const paymentId = uuid();
    await deployment.send(
      ...[deployment.confirm({ reservationId, userId: fan.userId, paymentId })],
    );
    await eventually(() => expect(repliesFor(paymentId)).toHaveLength(1), { timeoutMs: 30_000 });
    const revert = () =>
      buildMessage(
        contracts.revertConfirmation,
        { reservationId, paymentId },
        { source: 'test', correlationId: paymentId },
      );
    await deployment.send(...[revert()]);
    await eventually(() => expect(repliesFor(paymentId)).toHaveLength(2), { timeoutMs: 30_000 });
    expect(repliesFor(paymentId)[1]!.envelope).toMatchObject({
      type: 'reservation.confirmation-reverted',
      data: { status: 'HELD', reverted: true },
    });
    expect(await deployment.db('reservations').where({ id: reservationId }).first()).toMatchObject({
      status: 'HELD',
      payment_id: null,
    });
    await deployment.send(...[revert()]);
    await eventually(() => expect(repliesFor(paymentId)).toHaveLength(3), { timeoutMs: 30_000 });
    expect(repliesFor(paymentId)[2]!.envelope!.data).toMatchObject({
      status: 'HELD',
      reverted: false,
    });
  });

  it('when a revert names a reservation this service never had, then it is acknowledged as nothing to revert, not dead-lettered', async () => {
    const paymentId = uuid();
    const reservationId = uuid();
    const dlt = await TopicCapture.start([
      dltOf((await topicNamespace()).name(TOPICS.reservationCommands)),
    ]);
    try {
      await deployment.send(
        ...[
          buildMessage(
            contracts.revertConfirmation,
            { reservationId, paymentId },
            { source: 'test', correlationId: paymentId },
          ),
        ],
      );
      // The saga waiting in REVERTING gets its answer and can end; the wallet does the same
      // for a debit it never saw.
      await eventually(() => expect(repliesFor(paymentId)).toHaveLength(1), {
        timeoutMs: 30_000,
      });
      expect(repliesFor(paymentId)[0]!.envelope).toMatchObject({
        type: 'reservation.confirmation-reverted',
        data: { reservationId, paymentId, status: 'NOT_FOUND', reverted: false },
      });
      expect(dlt.messages).toEqual([]);
    } finally {
      await dlt.stop();
    }
  });
});
