import type { Credentials } from '@ticketing/auth';
import { requireAdmitted } from '@ticketing/queue-pass';
import { AppError, TypedRoutes, headerOf, type HttpApp } from '@ticketing/platform';
import type { Payment } from '../../domain/payment';
import type { PaymentQueries } from '../../domain/payment-queries';
import type { PaymentRequests } from '../../domain/payment-requests';
import {
  PaymentBody,
  PaymentList,
  PaymentParams,
  PaymentView,
  PaymentsQuery,
  SagaView,
} from './schemas';

const view = (p: Payment) => ({
  paymentId: p.paymentId,
  reservationId: p.reservationId,
  userId: p.userId,
  amount: p.amount,
  status: p.status,
  ...(p.failureCode && { failureCode: p.failureCode }),
  createdAt: p.createdAt.toISOString(),
  ...(p.completedAt && { completedAt: p.completedAt.toISOString() }),
});

const PREFER_WAIT = /(?:^|[,;\s])wait=(\d+)/i;
const IDEMPOTENCY_KEY = /^[\w.:-]{1,128}$/;

/** The payment service's public HTTP routes (API.md, Payments). */
export function httpRoutes(
  app: HttpApp,
  deps: { requests: PaymentRequests; queries: PaymentQueries; credentials: Credentials },
): TypedRoutes {
  const { requests, queries, credentials } = deps;
  return new TypedRoutes(app)
    .add(
      {
        method: 'post',
        path: '/payments',
        operationId: 'requestPayment',
        summary:
          'Pay for a held seat from the balance (a saga); Prefer: wait=N (≤ 30 s) waits for the outcome',
        auth: credentials.queuePass,
        body: PaymentBody,
        headers: {
          'Idempotency-Key': { description: 'the same key returns the same payment' },
          Prefer: {
            description:
              'wait=N: answer 200 as soon as the payment ends, else 202 after N seconds (N ≤ 30)',
          },
        },
        errors: [
          'TOKEN_NOT_ACTIVE',
          'FORBIDDEN',
          'PAYMENT_IN_PROGRESS',
          'RESERVATION_ALREADY_PAID',
          'IDEMPOTENCY_KEY_REUSED',
        ],
        responses: {
          202: { description: 'accepted, PENDING; follow Location', schema: PaymentView },
          200: {
            description: 'ended (with Prefer: wait): COMPLETED or FAILED',
            schema: PaymentView,
          },
        },
      },
      async ({ body, caller }, req, reply) => {
        const key = headerOf(req, 'idempotency-key');
        if (key !== undefined && !IDEMPOTENCY_KEY.test(key))
          throw AppError.validation('header Idempotency-Key: 1..128 characters of [A-Za-z0-9_.:-]');
        const prefer = PREFER_WAIT.exec(headerOf(req, 'prefer') ?? '');
        const waitSeconds = prefer ? Number(prefer[1]) : 0;
        if (waitSeconds > 30)
          throw AppError.validation('header Prefer: wait must be at most 30 seconds');
        requireAdmitted(caller);
        const { payment } = await requests.request(caller, body.reservationId, key);
        if (waitSeconds > 0) reply.header('Preference-Applied', `wait=${waitSeconds}`);
        const current =
          waitSeconds > 0 ? await queries.awaitEnd(payment, waitSeconds * 1000) : payment;
        reply.header('Location', `/payments/${payment.paymentId}`);
        reply
          .code(current.status === 'PENDING' ? 202 : waitSeconds > 0 ? 200 : 202)
          .send(view(current));
      },
    )
    .add(
      {
        method: 'get',
        path: '/payments',
        operationId: 'listPaymentsOfReservation',
        summary:
          "Your payments of a reservation, newest first: a lost POST /payments answer's outcome",
        auth: credentials.identity,
        query: PaymentsQuery,
        responses: { 200: { description: 'your payments', schema: PaymentList } },
      },
      async ({ query, caller }, _req, reply) => {
        const list = await queries.ofReservation(caller.userId, query.reservationId);
        reply.send({ items: list.map(view) });
      },
    )
    .add(
      {
        method: 'get',
        path: '/payments/:paymentId',
        operationId: 'getPayment',
        summary: 'Your payment (your ACTIVE queue pass, or your identity)',
        auth: credentials.either,
        params: PaymentParams,
        errors: ['TOKEN_NOT_ACTIVE', 'FORBIDDEN', 'NOT_FOUND'],
        responses: { 200: { description: 'the payment', schema: PaymentView } },
      },
      async ({ params, caller }, _req, reply) => {
        reply.send(view(await queries.get(caller, params.paymentId)));
      },
    )
    .add(
      {
        method: 'get',
        path: '/payments/:paymentId/saga',
        operationId: 'getPaymentSaga',
        summary:
          "The saga's timeline: state and every step with its message id (payer or ticketing:admin)",
        auth: credentials.either,
        params: PaymentParams,
        errors: ['TOKEN_NOT_ACTIVE', 'FORBIDDEN', 'NOT_FOUND'],
        responses: { 200: { description: 'the timeline', schema: SagaView } },
      },
      async ({ params, caller }, _req, reply) => {
        const { payment, steps } = await queries.timeline(caller, params.paymentId);
        reply.send({
          paymentId: payment.paymentId,
          state: payment.state,
          traceId: payment.traceId,
          steps: steps.map((s) => ({ ...s, at: s.at.toISOString() })),
        });
      },
    );
}
