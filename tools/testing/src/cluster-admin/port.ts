/** A permission for a principal (`User:wallet`) on a topic or a consumer group. */
export interface AclGrant {
  principal: string;
  resource: { type: 'topic' | 'group'; name: string };
  operation: 'read' | 'write' | 'describe';
}

/**
 * What tests administer on a cluster that the services never do, so it is no part of the Kafka
 * port (`@ticketing/messaging`'s `Admin`): permissions, and a topic's settings changed after it
 * was made. Each call opens a client of its own and closes it.
 */
export interface ClusterAdmin {
  /** Allows each grant, on the resource of that exact name, from any host. */
  grantAcls(grants: AclGrant[]): Promise<void>;
  /** Sets the named settings of a topic; every other setting of it stays as it is. */
  setTopicConfig(topic: string, config: Record<string, string>): Promise<void>;
  /** A topic's settings, each with its value in force (the broker's default or the topic's own). */
  topicConfig(topic: string): Promise<Record<string, string>>;
}
