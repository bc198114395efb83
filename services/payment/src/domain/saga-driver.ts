import type { Database, Logger, Transaction } from '@ticketing/platform';
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
    if (before.status !== 'PENDING' || after.status === 'PENDING') return;
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
