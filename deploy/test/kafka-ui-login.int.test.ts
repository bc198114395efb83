import { PrivateOidcProvider, eventually, uuid } from '@ticketing/testing';
import { createRemoteJWKSet, jwtVerify } from 'jose';

/**
 * Kafka UI's login against the real development provider, the way kafbat (Spring Security's
 * OAuth2 client) does it: discovery, the authorization request, the development login form, the
 * code, the token request, the ID token's roles (deploy/k8s/components/kafka-ui/config.yml).
 */
const REDIRECT = 'http://localhost:8081/login/oauth2/code/ticketing';

describe("Kafka UI's login through the development OpenID provider", () => {
  let provider: PrivateOidcProvider;

  beforeAll(async () => {
    provider = await PrivateOidcProvider.create();
    await provider.start();
    await eventually(
      async () =>
        expect((await fetch(`${provider.issuer}/.well-known/openid-configuration`)).status).toBe(
          200,
        ),
      { timeoutMs: 30_000 },
    );
  });
  afterAll(() => provider.destroy());

  /** A browser's cookie jar, enough for one login. */
  class Browser {
    private readonly cookies = new Map<string, string>();

    async get(url: string, init: RequestInit = {}): Promise<Response> {
      const res = await fetch(url, {
        ...init,
        redirect: 'manual',
        headers: { ...(init.headers as Record<string, string>), cookie: this.cookieHeader() },
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const [name, ...value] = pair!.split('=');
        this.cookies.set(name!.trim(), value.join('='));
      }
      return res;
    }

    private cookieHeader(): string {
      return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
  }

  async function logIn(login: string): Promise<{ location: URL; state: string; nonce: string }> {
    const discovery = (await (
      await fetch(`${provider.issuer}/.well-known/openid-configuration`)
    ).json()) as { authorization_endpoint: string };
    const browser = new Browser();
    const state = uuid();
    const nonce = uuid();
    const authorize = new URL(discovery.authorization_endpoint);
    authorize.search = new URLSearchParams({
      client_id: 'kafka-ui',
      response_type: 'code',
      scope: 'openid roles',
      redirect_uri: REDIRECT,
      state,
      nonce,
    }).toString();
    const toLogin = await browser.get(authorize.toString());
    expect(toLogin.status).toBe(303);
    const loginPage = new URL(toLogin.headers.get('location')!, authorize);
    const form = await browser.get(loginPage.toString());
    expect(form.status).toBe(200);
    const action = /<form[^>]*action="([^"]+)"/.exec(await form.text())![1]!;
    const submitted = await browser.get(new URL(action, loginPage).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ prompt: 'login', login, password: 'anything' }).toString(),
    });
    expect(submitted.status).toBe(303);
    // Back to the authorization endpoint, which answers the client (no consent page: first party).
    const resumed = await browser.get(
      new URL(submitted.headers.get('location')!, loginPage).toString(),
    );
    expect(resumed.status).toBe(303);
    return { location: new URL(resumed.headers.get('location')!), state, nonce };
  }

  async function idTokenOf(login: string) {
    const { location, state, nonce } = await logIn(login);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe(state);
    const code = location.searchParams.get('code');
    expect(code).toBeTruthy();
    const token = await fetch(`${provider.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('kafka-ui:dev').toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: code!,
        redirect_uri: REDIRECT,
      }).toString(),
    });
    expect({
      status: token.status,
      body: token.status === 200 ? null : await token.text(),
    }).toEqual({
      status: 200,
      body: null,
    });
    const { id_token } = (await token.json()) as { id_token: string };
    const { payload } = await jwtVerify(
      id_token,
      createRemoteJWKSet(new URL(`${provider.issuer}/jwks`)),
      { issuer: provider.issuer, audience: 'kafka-ui' },
    );
    expect(payload.nonce).toBe(nonce);
    return payload;
  }

  it('when an engineer logs in, then the ID token names them and carries the read-only role only', async () => {
    const login = `engineer-${uuid()}`;
    const claims = await idTokenOf(login);
    expect(claims.sub).toBe(login);
    expect(claims.roles).toEqual(['ticketing:engineer']);
  });

  it('when an operator logs in, then the ID token carries ticketing:admin as well', async () => {
    const claims = await idTokenOf(`admin-${uuid()}`);
    expect(claims.roles).toEqual(['ticketing:engineer', 'ticketing:admin']);
  });

  it('when the login would come back to another address, then the provider refuses it', async () => {
    const url = new URL(`${provider.issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: 'kafka-ui',
      response_type: 'code',
      scope: 'openid roles',
      redirect_uri: 'https://attacker.example/callback',
    }).toString();
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/redirect_uri/);
  });
});
