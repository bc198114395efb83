import type { ServiceName } from '@ticketing/contracts';
import {
  type Envelope,
  type UnitOfWork,
  type HandlerEntry,
  type OutgoingMessage,
  type Outcome,
  type StatementContext,
  type TxContext,
} from '@ticketing/messaging';
import { contextOf, decode, inboxUnitOfWork } from '@ticketing/messaging/wiring';
import { runWithContext, type Database } from '@ticketing/platform';
import { checkedSent, type Sent } from './sent-messages';

/**
 * A service's topic → handler table on its real database, with the real inbox and outbox and
 * no broker (FTGO's saga participant tests): a message is delivered as the consumer delivers it
 * (decoded and checked against its contract; its one-statement path first when the handler has
 * one, else one transaction with its inbox record and the outbox), and what the handler sent is
 * read back from the outbox, contract-checked.
 */
export class HandlerTable {
  private readonly byType: Map<string, HandlerEntry<TxContext>>;
  private readonly unitOfWork: UnitOfWork<TxContext>;
  /**
   * How many deliveries the handlers' one-statement path settled (the rest took the transaction);
   * in a batch, counted as they settle, before the batch commits or rolls back.
   */
  settledInOneStatement = 0;

  constructor(
    private readonly service: ServiceName,
    private readonly db: Database,
    handlers: HandlerEntry<TxContext>[],
  ) {
    this.byType = new Map(handlers.map((h) => [h.contract.type, h]));
    this.unitOfWork = inboxUnitOfWork(db, service, service);
  }

  /**
   * One delivery of the message (deliver it twice for a redelivery). `transactionOnly`: as if
   * the handler had no one-statement path (the path a message takes when that one declines).
   */
  async deliver(message: OutgoingMessage, { transactionOnly = false } = {}): Promise<Outcome> {
    const { envelope, run, alone } = this.prepared(message, transactionOnly);
    return runWithContext(contextOf(envelope), () => this.unitOfWork.execute(envelope, run, alone));
  }

  /**
   * The messages delivered together, as a consumer under load hands a fetch over: one batch, in
   * order, in one transaction; all or nothing.
   */
  async deliverTogether(messages: OutgoingMessage[]): Promise<Outcome[]> {
    return this.unitOfWork.executeBatch!(
      messages.map((m) => {
        const { envelope, run, alone } = this.prepared(m, false);
        return { message: envelope, run, alone };
      }),
    );
  }

  /** The message decoded as the consumer decodes it, and its handler's paths. */
  private prepared(message: OutgoingMessage, transactionOnly: boolean) {
    const decoded = decode(Buffer.from(JSON.stringify(message.envelope)), this.byType);
    if (decoded.status === 'ignored')
      throw new Error(`${this.service} has no handler for ${message.envelope.type}`);
    if (decoded.status === 'invalid') throw new Error(`${decoded.reason}: ${decoded.error}`);
    const { envelope, entry } = decoded;
    // In the message's conversation, as the consumer runs it: replies carry its correlation id.
    const inConversation = <T>(fn: () => Promise<T>) => runWithContext(contextOf(envelope), fn);
    return {
      envelope,
      run: (ctx: TxContext) => inConversation(() => entry.handle(envelope, ctx)),
      alone:
        entry.alone && !transactionOnly
          ? async (ctx: StatementContext) => {
              const outcome = await inConversation(() => entry.alone!(envelope, ctx));
              if (outcome) this.settledInOneStatement += 1;
              return outcome;
            }
          : undefined,
    };
  }

  /** Every message the handlers sent in the conversation `correlationId`, oldest first. */
  async sent(correlationId: string): Promise<Sent[]> {
    const rows = await this.db.query<{ topic: string; key: string; envelope: string }>(
      `select topic, key, envelope from outbox where envelope::jsonb->>'correlationId' = $1
       order by id`,
      [correlationId],
    );
    return checkedSent(
      this.service,
      rows.map((r) => ({
        topic: r.topic,
        key: r.key,
        envelope: JSON.parse(r.envelope) as Envelope,
        headers: {},
      })),
    );
  }
}
