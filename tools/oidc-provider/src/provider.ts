import { randomBytes } from 'node:crypto';
import Provider, { type Adapter, type AdapterPayload, type ClientMetadata } from 'oidc-provider';
import type { SigningKey } from './keys.js';

export interface DevProviderSettings {
  /** e.g. http://localhost:8090/default: what the tokens' `iss` says. */
  issuer: string;
  /** The `aud` of every access token (OIDC_AUDIENCE of the services). */
  audience: string;
  keys: SigningKey[];
  tokenTtlSeconds: number;
  /** Where Kafka UI's login comes back to (its OpenID client `kafka-ui`, authorization code). */
  kafkaUiRedirectUris: string[];
  /** Its client secret (`dev` unless set). */
  kafkaUiClientSecret: string;
}

/** The scope that marks an operator (API.md, Identity). */
export const ADMIN_SCOPE = 'ticketing:admin';
/** The development client secret of every client (API.md, Identity). */
export const DEV_CLIENT_SECRET = 'dev';
/** Kafka UI's OpenID client (deploy/k8s/components/kafka-ui/config.yml): people log in with it. */
export const KAFKA_UI_CLIENT = 'kafka-ui';
/** The roles Kafka UI grants by (its config.yml's RBAC), carried in the ID token's `roles`. */
export const KAFKA_UI_ROLES = { engineer: 'ticketing:engineer', admin: ADMIN_SCOPE } as const;

/**
 * A person logged in through the development login form: any name, any password. Every one is
 * an engineer; a name that starts with `admin` is an operator too.
 */
export function rolesOf(login: string): string[] {
  return login.startsWith('admin')
    ? [KAFKA_UI_ROLES.engineer, KAFKA_UI_ROLES.admin]
    : [KAFKA_UI_ROLES.engineer];
}

/**
 * Every client id is a user: a client-credentials request for `client_id=<userId>` with the
 * development secret gets an access token whose `sub` is that user id. Anything else the
 * provider stores (the issued tokens' records) lives in memory.
 */
function devAdapter(kafkaUi: KafkaUiClient): new (name: string) => Adapter {
  const store = new Map<string, AdapterPayload>();
  // A login's session by its uid: codes issued in a session live only as long as it does.
  const sessionsByUid = new Map<string, string>();
  return class DevAdapter implements Adapter {
    constructor(private readonly name: string) {}

    private key(id: string) {
      return `${this.name}:${id}`;
    }

    async upsert(id: string, payload: AdapterPayload): Promise<void> {
      store.set(this.key(id), payload);
      if (payload.uid) sessionsByUid.set(payload.uid, this.key(id));
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.name === 'Client') return clientFor(id, kafkaUi);
      return store.get(this.key(id));
    }

    async findByUserCode(): Promise<undefined> {
      return undefined;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const key = sessionsByUid.get(uid);
      return key === undefined ? undefined : store.get(key);
    }

    async consume(id: string): Promise<void> {
      const payload = store.get(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      const uid = store.get(this.key(id))?.uid;
      if (uid) sessionsByUid.delete(uid);
      store.delete(this.key(id));
    }

    async revokeByGrantId(): Promise<void> {}
  };
}

// The characters API.md allows in a user id (the identity's `sub`).
const USER_ID = /^[A-Za-z0-9._:|@-]{1,255}$/;

type KafkaUiClient = { redirectUris: string[]; secret: string };

function clientFor(
  clientId: string,
  kafkaUi: KafkaUiClient,
): (AdapterPayload & ClientMetadata) | undefined {
  if (clientId === KAFKA_UI_CLIENT)
    return {
      client_id: clientId,
      client_secret: kafkaUi.secret,
      grant_types: ['authorization_code'],
      redirect_uris: kafkaUi.redirectUris,
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid roles',
    };
  if (!USER_ID.test(clientId)) return undefined;
  return {
    client_id: clientId,
    client_secret: DEV_CLIENT_SECRET,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    // API.md: the secret travels in the form (the gateway's /docs token proxy turns Swagger
    // UI's Basic credentials into this).
    token_endpoint_auth_method: 'client_secret_post',
    scope: ADMIN_SCOPE,
  };
}

/**
 * oidc-provider (OpenID Certified) configured as the development provider: client credentials,
 * resource indicators with one default resource whose access tokens are RS256 JWTs
 * (`typ: at+jwt`) for the configured audience. Only signing keys of the key file are published.
 * People log in to Kafka UI through its development login form (authorization code): the ID
 * token names them and carries their `roles`; Kafka UI is a first-party client, no consent page.
 */
export function createDevProvider(settings: DevProviderSettings): Provider {
  return new Provider(settings.issuer, {
    adapter: devAdapter({
      redirectUris: settings.kafkaUiRedirectUris,
      secret: settings.kafkaUiClientSecret,
    }),
    jwks: { keys: settings.keys },
    scopes: [ADMIN_SCOPE, 'openid', 'roles'],
    claims: { openid: ['sub'], roles: ['roles'] },
    // The roles travel in the ID token itself: Kafka UI reads them there.
    conformIdTokenClaims: false,
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, roles: rolesOf(sub) }),
    }),
    loadExistingGrant: async (ctx) => {
      const { client, session, result } = ctx.oidc;
      const grantId = result?.consent?.grantId ?? session?.grantIdFor(client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      if (client?.clientId !== KAFKA_UI_CLIENT || !session?.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({
        clientId: client.clientId,
        accountId: session.accountId,
      });
      grant.addOIDCScope('openid roles');
      await grant.save();
      return grant;
    },
    // Signs the login's cookies; a restart only drops logins in progress.
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    features: {
      // The login form of oidc-provider for development: any name, any password.
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: false },
      revocation: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // Kafka UI's login asks for no API access: its access token is the provider's own.
        defaultResource: (ctx) =>
          ctx.oidc.client?.clientId === KAFKA_UI_CLIENT ? undefined : 'urn:ticketing:api',
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          audience: settings.audience,
          scope: ADMIN_SCOPE,
          accessTokenFormat: 'jwt',
          accessTokenTTL: settings.tokenTtlSeconds,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    ttl: { ClientCredentials: settings.tokenTtlSeconds },
  });
}
