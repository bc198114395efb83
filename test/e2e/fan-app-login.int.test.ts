import { createHash, randomBytes } from 'node:crypto';
import { PrivateOidcProvider, eventually, uuid } from '@ticketing/testing';
import { createRemoteJWKSet, jwtVerify } from 'jose';

/**
 * The fan app's login against the real development provider, as a browser app does it: a public
 * client (no secret), the authorization code flow with PKCE (S256), the development login form,
 * the token request from the page's origin (CORS), an access token for the API.
 */
const APP = 'http://127.0.0.1:43123'; // any loopback port: a test's or a developer's server
const REDIRECT = `${APP}/`;

const base64url = (b: Buffer) => b.toString('base64url');

describe("the fan app's login (authorization code + PKCE) through the development OpenID provider", () => {
  let provider: PrivateOidcProvider;
  let discovery: { authorization_endpoint: string; token_endpoint: string; jwks_uri: string };

  beforeAll(async () => {
    provider = await PrivateOidcProvider.create();
    await provider.start();
    discovery = await eventually(
      async () => {
        const res = await fetch(`${provider.issuer}/.well-known/openid-configuration`);
        expect(res.status).toBe(200);
        return (await res.json()) as typeof discovery;
      },
      { timeoutMs: 30_000 },
    );
  });
  afterAll(() => provider.destroy());

  /** A browser's cookie jar, enough for one login. */
  class Browser {
    private readonly cookies = new Map<string, string>();

    async go(url: string, init: RequestInit = {}): Promise<Response> {
      const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await fetch(url, {
        ...init,
        redirect: 'manual',
        headers: { ...(init.headers as Record<string, string>), cookie },
      });
      for (const c of res.headers.getSetCookie()) {
        const [name, ...value] = c.split(';')[0]!.split('=');
        this.cookies.set(name!.trim(), value.join('='));
      }
      return res;
    }
  }

  /** The authorization request, the login form, and where the provider sends the browser back. */
  async function logIn(login: string, params: Record<string, string>): Promise<URL> {
    const browser = new Browser();
    const authorize = new URL(discovery.authorization_endpoint);
    authorize.search = new URLSearchParams({
      client_id: 'fan-app',
      response_type: 'code',
      scope: 'openid',
      redirect_uri: REDIRECT,
      ...params,
    }).toString();
    const toLogin = await browser.go(authorize.toString());
    expect(toLogin.status).toBe(303);
    const loginPage = new URL(toLogin.headers.get('location')!, authorize);
    if (loginPage.toString().startsWith(REDIRECT)) return loginPage; // refused at once
    const form = await browser.go(loginPage.toString());
    const action = /<form[^>]*action="([^"]+)"/.exec(await form.text())![1]!;
    const submitted = await browser.go(new URL(action, loginPage).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ prompt: 'login', login, password: 'any' }).toString(),
    });
    expect(submitted.status).toBe(303);
    // No consent page: the fan app is first party.
    const back = await browser.go(
      new URL(submitted.headers.get('location')!, loginPage).toString(),
    );
    expect({ status: back.status, body: back.status === 303 ? '' : await back.text() }).toEqual({
      status: 303,
      body: '',
    });
    return new URL(back.headers.get('location')!, loginPage);
  }

  const redeem = (code: string, verifier: string | undefined, origin = APP) =>
    fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: 'fan-app',
        code,
        redirect_uri: REDIRECT,
        ...(verifier && { code_verifier: verifier }),
      }).toString(),
    });

  it('when a fan logs in with PKCE, then the page gets (across origins) an access token for the API whose sub is the fan', async () => {
    const verifier = base64url(randomBytes(32));
    const state = uuid();
    const back = await logIn('fan-alice', {
      code_challenge: base64url(createHash('sha256').update(verifier).digest()),
      code_challenge_method: 'S256',
      state,
    });
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe(state);
    expect(back.searchParams.get('iss')).toBe(provider.issuer); // RFC 9207: mix-up defence
    const res = await redeem(back.searchParams.get('code')!, verifier);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    const { access_token } = (await res.json()) as { access_token: string };
    // What every service checks (ADR 0007): issuer, audience, signature by the provider's keys.
    const { payload, protectedHeader } = await jwtVerify(
      access_token,
      createRemoteJWKSet(new URL(discovery.jwks_uri)),
      { issuer: provider.issuer, audience: 'ticketing' },
    );
    expect(payload.sub).toBe('fan-alice');
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    expect(String(payload.scope ?? '')).not.toContain('ticketing:admin');
  });

  it('when the code is redeemed without its verifier, with another one, or twice, then the provider refuses', async () => {
    const verifier = base64url(randomBytes(32));
    const challenge = base64url(createHash('sha256').update(verifier).digest());
    const params = { code_challenge: challenge, code_challenge_method: 'S256' };
    const code = (await logIn('fan-bob', params)).searchParams.get('code')!;
    expect((await redeem(code, undefined)).status).toBe(400);
    const other = await logIn('fan-bob', params);
    expect((await redeem(other.searchParams.get('code')!, base64url(randomBytes(32)))).status).toBe(
      400,
    );
    const third = (await logIn('fan-bob', params)).searchParams.get('code')!;
    expect((await redeem(third, verifier)).status).toBe(200);
    expect((await redeem(third, verifier)).status).toBe(400);
  });

  it('when the request has no PKCE challenge, or would come back elsewhere, then the provider refuses it', async () => {
    const noPkce = await logIn('fan-carol', {});
    expect(noPkce.searchParams.get('error')).toBe('invalid_request');
    expect(noPkce.searchParams.get('error_description')).toMatch(/requires PKCE/);
    const url = new URL(discovery.authorization_endpoint);
    url.search = new URLSearchParams({
      client_id: 'fan-app',
      response_type: 'code',
      scope: 'openid',
      redirect_uri: 'https://attacker.example/',
      code_challenge: base64url(randomBytes(32)),
      code_challenge_method: 'S256',
    }).toString();
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/redirect_uri/);
  });

  it('when a page of another origin asks the token endpoint, then it cannot read the answer', async () => {
    const verifier = base64url(randomBytes(32));
    const back = await logIn('fan-dave', {
      code_challenge: base64url(createHash('sha256').update(verifier).digest()),
      code_challenge_method: 'S256',
    });
    const res = await redeem(back.searchParams.get('code')!, verifier, 'https://evil.example');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.status).toBe(400);
  });
});
