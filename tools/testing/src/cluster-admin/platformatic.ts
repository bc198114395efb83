import {
  AclOperations,
  AclPermissionTypes,
  Admin,
  ConfigResourceTypes,
  IncrementalAlterConfigOperationTypes,
  ResourcePatternTypes,
  ResourceTypes,
} from '@platformatic/kafka';
import { randomSuffix } from '../ids';
import type { AclGrant } from './port';

const RESOURCE = { topic: ResourceTypes.TOPIC, group: ResourceTypes.GROUP };
const OPERATION = {
  read: AclOperations.READ,
  write: AclOperations.WRITE,
  describe: AclOperations.DESCRIBE,
};

/** An admin client for one piece of work, closed after it. */
async function withAdmin<T>(brokers: string[], work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin({ clientId: `test-admin-${randomSuffix()}`, bootstrapBrokers: brokers });
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}

export const grantAcls = (brokers: string[], grants: AclGrant[]): Promise<void> =>
  withAdmin(brokers, (admin) =>
    admin.createAcls({
      creations: grants.map((g) => ({
        resourceType: RESOURCE[g.resource.type],
        resourceName: g.resource.name,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal: g.principal,
        host: '*',
        operation: OPERATION[g.operation],
        permissionType: AclPermissionTypes.ALLOW,
      })),
    }),
  );

export const setTopicConfig = (
  brokers: string[],
  topic: string,
  config: Record<string, string>,
): Promise<void> =>
  withAdmin(brokers, (admin) =>
    admin.incrementalAlterConfigs({
      resources: [
        {
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: topic,
          configs: Object.entries(config).map(([name, value]) => ({
            name,
            value,
            configOperation: IncrementalAlterConfigOperationTypes.SET,
          })),
        },
      ],
    }),
  );

export const topicConfig = (brokers: string[], topic: string): Promise<Record<string, string>> =>
  withAdmin(brokers, async (admin) => {
    const [described] = await admin.describeConfigs({
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }],
    });
    const config: Record<string, string> = {};
    for (const { name, value } of described?.configs ?? []) if (value != null) config[name] = value;
    return config;
  });
