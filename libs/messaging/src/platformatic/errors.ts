import { GenericError, MultipleErrors } from '@platformatic/kafka';

export interface ClientError extends Error {
  code?: string;
  apiId?: string;
  canRetry?: boolean;
  closed?: boolean;
}

/** A failure's attempts: a retried operation's, a response's errors, or the error alone. */
export function attempts(err: unknown): ClientError[] {
  if (!(err instanceof Error)) return [];
  if (MultipleErrors.isMultipleErrors(err) && err.errors.length > 0)
    return (err.errors as unknown[]).flatMap(attempts);
  return [err as ClientError];
}

/** The client's errors under one failure: its attempts, and what caused each of the client's. */
function leaves(err: unknown): ClientError[] {
  return attempts(err).flatMap((e) => [
    e,
    ...(GenericError.isGenericError(e) ? leaves((e as { cause?: unknown }).cause) : []),
  ]);
}

const retriable = (e: ClientError) =>
  e.canRetry === true || (e.code === 'PLT_KFK_NETWORK' && e.closed !== true);

/**
 * A failure of the client in the port's terms (`../broker`): `type`, Kafka's name of the error a
 * broker answered, and `retriable`, whether every attempt failed for a reason that may pass (an
 * outage, a timeout, a leader moving). The client's own error is its `cause`.
 */
export function portError(err: unknown): unknown {
  if (!(err instanceof Error) || !GenericError.isGenericError(err)) return err;
  const all = leaves(err);
  const messages = [...new Set(all.map((e) => e.message))];
  return Object.assign(new Error(messages.join('; ') || err.message, { cause: err }), {
    name: 'KafkaError',
    type: all.find((e) => e.apiId)?.apiId,
    retriable: all.length > 0 && all.every(retriable),
  });
}

/** Runs a client call, its failure in the port's terms. */
export async function call<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    throw portError(err);
  }
}

/** Whether Kafka answered that the topic exists already: nothing to create. */
export const onlyAlreadyExists = (err: unknown): boolean => {
  const all = leaves((err as { cause?: unknown }).cause ?? err).filter((e) => e.apiId);
  return all.length > 0 && all.every((e) => e.apiId === 'TOPIC_ALREADY_EXISTS');
};

/** A closed client never sends again: its owner replaces it (`SelfHealingPublisher`). */
export const clientClosed = (err: unknown): boolean =>
  leaves((err as { cause?: unknown }).cause ?? err).some((e) => e.closed === true);
