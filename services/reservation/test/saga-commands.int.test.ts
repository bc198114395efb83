import { TOPICS } from '@ticketing/contracts';
import { TopicCapture, eventually } from '@ticketing/testing';
import type { ReservationServiceHandle } from '../src/start';
import { ReservationDeployment, call, tokenFor, topicNamespace, uuid } from './harness';

/**
 * The reservation's saga commands through Kafka: the path a command takes in production (relay,
 * broker, consumer, inbox). What each command does is tested without a broker in
 * `saga-participant.int`.
 */
describe('saga commands through Kafka', () => {
  let deployment: ReservationDeployment;
  let svc: ReservationServiceHandle;
  let events: TopicCapture;

  beforeAll(async () => {
    deployment = await ReservationDeployment.create();
    svc = await deployment.startInstance();
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
    await deployment.send(command, command); // a redelivery (same message id)
    await deployment.send(deployment.confirm({ reservationId, userId: fan.userId, paymentId })); // a retry (new id)
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
});
