import type { KafkaClient, KafkaClientOptions } from '../broker';
import { SelfHealingPublisher } from '../self-healing-publisher';
import { platformaticAdmin } from './admin';
import { platformaticGroupMember } from './consumer-group';
import { clientClosed } from './errors';
import { platformaticPublisher } from './publisher';
import { CLIENT_RETRIES, clientSettings } from './settings';

/** The project's client on @platformatic/kafka 2.x, with the project's settings. */
export function createPlatformaticClient(options: KafkaClientOptions): KafkaClient {
  const settings = clientSettings(options, options.retries ?? CLIENT_RETRIES);
  return {
    name: 'platformatic',
    publisher: () =>
      new SelfHealingPublisher(() => platformaticPublisher(settings), clientClosed, options.logger),
    admin: () => platformaticAdmin(settings),
    groupMember: (groupId, events, memberOptions) =>
      platformaticGroupMember(settings, groupId, events, memberOptions),
  };
}
