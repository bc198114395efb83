import type { StatementContext } from '@ticketing/messaging';
import { whenCommitted, type Database, type Logger, type Transaction } from '@ticketing/platform';
import type { Payment, SagaStep } from './payment';
import { messageFor } from './commands';
import type { PaymentOutcomes, PaymentsIn } from './repositories';
import { decide, type Decision, type SagaEvent } from './saga';

/**
 * Drives each payment's saga: a participant's reply or a passed deadline is decided (`decide`),
 * and the new state, its timeline and the commands it sends are written in one statement.
 */
export class SagaDriver {
  constructor(
    private readonly db: Database,
    private readonly paymentsIn: PaymentsIn,
    private readonly options: {
      stepTimeoutMs: number;
      outcomes?: PaymentOutcomes;
      logger?: Logger;
    },
  ) {}

  /** A reply for a saga, inside the consumer's transaction (with its inbox record). */
  async onReply(
    tx: Transaction,
    paymentId: string,
    event: SagaEvent,
    messageId: string,
  ): Promise<void> {
    const repo = this.paymentsIn(tx);
    const locked = await repo.lockWithClock(paymentId);
    if (!locked) return; // not a payment of ours
    const decision = decide(locked.payment, event, locked.now, this.options.stepTimeoutMs);
    const received = {
      step: event.type,
      status: decision.applied ? ('RECEIVED' as const) : ('IGNORED' as const),
      messageId,
      note: decision.note,
    };
    if (!decision.applied) return repo.addSteps(paymentId, [received]);
    const saved = await this.apply(tx, decision, received);
    this.reportIfEnded(tx, locked.payment, saved);
  }

  /**
   * A reply taken in one statement (alone, or in a batch's transaction): decided on the payment
   * as last stored (as this process remembers it when it can), written with the message's inbox
   * record only if the payment is still stored so and the message is new. Undefined when that
   * did not hold, with nothing written: the reply then takes `onReply`'s path, which decides
   * under the row's lock and records a reply that changes nothing (rare) as IGNORED.
   */
  async onReplyAlone(
    paymentId: string,
    event: SagaEvent,
    messageId: string,
    { inbox, db }: StatementContext,
  ): Promise<'applied' | undefined> {
    const repo = this.paymentsIn(db);
    const stored = await repo.current(paymentId);
    if (!stored) return undefined;
    const now = new Date();
    const decision = decide(stored.payment, event, now, this.options.stepTimeoutMs);
    if (!decision.applied) return undefined;
    const { messages, steps } = outgoing(decision, {
      step: event.type,
      status: 'RECEIVED',
      messageId,
      note: decision.note,
    });
    const saved = await repo.saveIfUnchanged(
      {
        saga: decision.saga,
        revision: stored.revision,
        decidedAt: now,
        previousDeadline: stored.payment.deadlineAt,
      },
      steps,
      messages,
      inbox,
    );
    if (!saved) return undefined;
    if (ended(stored.payment, saved)) whenCommitted(db, () => this.options.outcomes?.ended(saved));
    return 'applied';
  }

  /**
   * Sagas past their deadline move on (compensate or retry), each in a transaction of its own:
   * one that cannot (a bug, a row an old version wrote) is logged and tried again a step timeout
   * later, and never holds up the others. Safe with every instance sweeping.
   */
  async sweepDue(limit = 100): Promise<number> {
    let moved = 0;
    for (const paymentId of await this.paymentsIn(this.db).dueIds(limit)) {
      try {
        if (await this.passDeadline(paymentId)) moved += 1;
      } catch (err) {
        this.options.logger?.warn(
          { err, paymentId },
          'saga past its deadline could not move on; trying it again later',
        );
        await this.paymentsIn(this.db)
          .postponeDeadline(paymentId, this.options.stepTimeoutMs)
          .catch(() => undefined);
      }
    }
    return moved;
  }

  /** One saga's deadline: false when a reply or another sweeper got there first. */
  private passDeadline(paymentId: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const locked = await this.paymentsIn(tx).lockIfDue(paymentId);
      if (!locked) return false;
      const { payment, now } = locked;
      const decision = decide(
        payment,
        { type: 'deadline-passed' },
        now,
        this.options.stepTimeoutMs,
      );
      const saved = await this.apply(tx, decision, {
        step: `deadline (${payment.state})`,
        status: 'TIMEOUT',
        messageId: null,
        note: decision.note,
      });
      this.reportIfEnded(tx, payment, saved);
      return true;
    });
  }

  private reportIfEnded(tx: Transaction, before: Payment, after: Payment): void {
    if (!ended(before, after)) return;
    // After the commit: a rolled-back transaction (retried by the consumer) ended nothing.
    tx.afterCommit(() => this.options.outcomes?.ended(after));
  }

  /** The saga's new state, what happened and the commands it sends: one statement. */
  private apply(
    tx: Transaction,
    decision: Decision,
    cause: Omit<SagaStep, 'at'>,
  ): Promise<Payment> {
    const { messages, steps } = outgoing(decision, cause);
    return this.paymentsIn(tx).save(decision.saga, steps, messages);
  }
}

/** The payment ended with this write: it was PENDING before and is not after. */
const ended = (before: Payment, after: Payment) =>
  before.status === 'PENDING' && after.status !== 'PENDING';

/** The decision's commands as messages, and the timeline lines: the cause, then each sent. */
export function outgoing(
  decision: Pick<Decision, 'commands' | 'saga'>,
  cause: Omit<SagaStep, 'at'>,
) {
  const messages = decision.commands.map((c) => messageFor(c, decision.saga));
  const steps = [
    cause,
    ...messages.map((m) => ({
      step: m.envelope.type,
      status: 'SENT' as const,
      messageId: m.envelope.id,
      note: null,
    })),
  ];
  return { messages, steps };
}
