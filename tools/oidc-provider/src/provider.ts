import { randomBytes } from 'node:crypto';
import Provider, {
  interactionPolicy,
  type Adapter,
  type AdapterPayload,
  type ClientMetadata,
} from 'oidc-provider';
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
  /**
   * Where the fan app's login comes back to (its public client `fan-app`: authorization code
   * with PKCE, no secret). All on loopback: any port of those hosts (RFC 8252 §7.3).
   */
  fanAppRedirectUris: string[];
}

/** The scope that marks an operator (API.md, Identity). */
export const ADMIN_SCOPE = 'ticketing:admin';
/** The development client secret of every client (API.md, Identity). */
export const DEV_CLIENT_SECRET = 'dev';
/** Kafka UI's OpenID client (deploy/k8s/components/kafka-ui/config.yml): people log in with it. */
export const KAFKA_UI_CLIENT = 'kafka-ui';
/** The reference fan app's OpenID client (apps/fan): a browser app, so public, with PKCE. */
export const FAN_APP_CLIENT = 'fan-app';
/** The API the fan app's access tokens are for (the default resource). */
export const API_RESOURCE = 'urn:ticketing:api';
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
function devAdapter(kafkaUi: KafkaUiClient, fanApp: FanAppClient): new (name: string) => Adapter {
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
      if (this.name === 'Client') return clientFor(id, kafkaUi, fanApp);
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
type FanAppClient = { redirectUris: string[] };

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const onLoopback = (uri: string) => {
  const url = URL.parse(uri);
  return url?.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
};

function clientFor(
  clientId: string,
  kafkaUi: KafkaUiClient,
  fanApp: FanAppClient,
): (AdapterPayload & ClientMetadata) | undefined {
  if (clientId === FAN_APP_CLIENT)
    return {
      client_id: clientId,
      // A page cannot keep a secret: a public client, whose code only its PKCE verifier redeems.
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: fanApp.redirectUris,
      // On loopback, any port (a test's or a developer's server): oidc-provider allows that for
      // a native client's loopback redirects only (RFC 8252 §7.3), so it is one here.
      application_type: fanApp.redirectUris.every(onLoopback) ? 'native' : 'web',
      scope: 'openid',
    };
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
  // The fan app is a loopback ("native") client only so that any local port may be its redirect;
  // it is first party like Kafka UI, so no consent page is shown to it either.
  const policy = interactionPolicy.base();
  policy.get('consent')!.checks.remove('native_client_prompt');
  return new Provider(settings.issuer, {
    interactions: { policy },
    adapter: devAdapter(
      { redirectUris: settings.kafkaUiRedirectUris, secret: settings.kafkaUiClientSecret },
      { redirectUris: settings.fanAppRedirectUris },
    ),
    // A public client's page calls the token endpoint from its own origin: the origins of its
    // redirect URIs (on loopback, any port of theirs, as its redirects).
    clientBasedCORS: (_ctx, origin, client) => {
      if (client.clientAuthMethod !== 'none' || origin === 'null') return false;
      return (client.redirectUris ?? []).some((uri) => {
        const registered = URL.parse(uri);
        const asked = URL.parse(origin);
        if (!registered || !asked) return false;
        if (registered.origin === asked.origin) return true;
        return (
          client.applicationType === 'native' &&
          onLoopback(origin) &&
          registered.hostname === asked.hostname
        );
      });
    },
    jwks: { keys: settings.keys },
    scopes: [ADMIN_SCOPE, 'openid', 'roles'],
    claims: { openid: ['sub'], roles: ['roles'] },
    // The roles travel in the ID token itself: Kafka UI reads them there.
    conformIdTokenClaims: false,
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, roles: rolesOf(sub) }),
    }),
    // First-party clients (Kafka UI, the fan app): no consent page; the fan app's grant names
    // no scope of the API (an operator's scope is for client-credentials tokens only).
    loadExistingGrant: async (ctx) => {
      const { client, session, result } = ctx.oidc;
      const grantId = result?.consent?.grantId ?? session?.grantIdFor(client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const firstParty = [KAFKA_UI_CLIENT, FAN_APP_CLIENT];
      if (!client || !firstParty.includes(client.clientId) || !session?.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({
        clientId: client.clientId,
        accountId: session.accountId,
      });
      grant.addOIDCScope(client.clientId === KAFKA_UI_CLIENT ? 'openid roles' : 'openid');
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
