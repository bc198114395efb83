import Provider, { type Adapter, type AdapterPayload, type ClientMetadata } from 'oidc-provider';
import type { SigningKey } from './keys.js';

export interface DevProviderSettings {
  /** e.g. http://localhost:8090/default: what the tokens' `iss` says. */
  issuer: string;
  /** The `aud` of every access token (OIDC_AUDIENCE of the services). */
  audience: string;
  keys: SigningKey[];
  tokenTtlSeconds: number;
}

/** The scope that marks an operator (API.md, Identity). */
export const ADMIN_SCOPE = 'ticketing:admin';
/** The development client secret of every client (API.md, Identity). */
export const DEV_CLIENT_SECRET = 'dev';

/**
 * Every client id is a user: a client-credentials request for `client_id=<userId>` with the
 * development secret gets an access token whose `sub` is that user id. Anything else the
 * provider stores (the issued tokens' records) lives in memory.
 */
function devAdapter(): new (name: string) => Adapter {
  const store = new Map<string, AdapterPayload>();
  return class DevAdapter implements Adapter {
    constructor(private readonly name: string) {}

    private key(id: string) {
      return `${this.name}:${id}`;
    }

    async upsert(id: string, payload: AdapterPayload): Promise<void> {
      store.set(this.key(id), payload);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.name === 'Client') return clientFor(id);
      return store.get(this.key(id));
    }

    async findByUserCode(): Promise<undefined> {
      return undefined;
    }

    async findByUid(): Promise<undefined> {
      return undefined;
    }

    async consume(id: string): Promise<void> {
      const payload = store.get(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      store.delete(this.key(id));
    }

    async revokeByGrantId(): Promise<void> {}
  };
}

// The characters API.md allows in a user id (the identity's `sub`).
const USER_ID = /^[A-Za-z0-9._:|@-]{1,255}$/;

function clientFor(clientId: string): (AdapterPayload & ClientMetadata) | undefined {
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
 */
export function createDevProvider(settings: DevProviderSettings): Provider {
  return new Provider(settings.issuer, {
    adapter: devAdapter(),
    jwks: { keys: settings.keys },
    scopes: [ADMIN_SCOPE],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: false },
      revocation: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => 'urn:ticketing:api',
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
