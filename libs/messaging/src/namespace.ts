/**
 * Topic names as deployed: an optional prefix (KAFKA_TOPIC_PREFIX) lets several environments,
 * or several test deployments, share one Kafka cluster without consuming each other's messages.
 * Contracts and the outbox keep logical names; only the Kafka edge adds the prefix.
 */
export class TopicNamespace {
  static readonly none = new TopicNamespace('');

  constructor(readonly prefix: string) {
    if (prefix && !/^[A-Za-z0-9._-]+$/.test(prefix))
      throw new Error(`invalid topic prefix "${prefix}"`);
  }

  name(topic: string): string {
    return `${this.prefix}${topic}`;
  }
}
