import * as oauth from 'oauth4webapi';
import type { AppConfig } from './config';

/** The fan's session: their access token for the API and who they are (the ID token's sub). */
export interface Session {
  accessToken: string;
  userId: string;
  expiresAt: number;
}

const KEY = 'fan.session';
const PENDING = 'fan.login';

/** Where the provider sends the fan back: this page, without its query. */
const redirectUri = () => `${location.origin}${location.pathname}`;

async function server(config: AppConfig) {
  const issuer = new URL(config.issuer);
  // A development provider on plain http (npm start, compose); production's is https.
  const options = { [oauth.allowInsecureRequests]: issuer.protocol === 'http:' };
  const as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, options),
  );
  return { as, client: { client_id: config.clientId } as oauth.Client, options };
}

export function currentSession(): Session | undefined {
  const saved = sessionStorage.getItem(KEY);
  if (!saved) return undefined;
  const session = JSON.parse(saved) as Session;
  return session.expiresAt > Date.now() + 30_000 ? session : undefined;
}

export function logOut(): void {
  sessionStorage.removeItem(KEY);
}

/**
 * Off to the provider's login: authorization code with PKCE (S256) for a public client. The
 * verifier and state stay in this tab's session storage until the fan comes back.
 */
export async function logIn(config: AppConfig): Promise<void> {
  const { as } = await server(config);
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state }));
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    response_type: 'code',
    scope: 'openid',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...config.authorizationParams,
  }).toString();
  location.assign(url);
}

/** Back from the provider (`?code=…&state=…`): the code redeemed with the verifier. */
export async function completeLogIn(config: AppConfig): Promise<Session | undefined> {
  const here = new URL(location.href);
  if (!here.searchParams.has('code') && !here.searchParams.has('error')) return undefined;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null') as {
    verifier: string;
    state: string;
  } | null;
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, '', redirectUri()); // the code leaves the address bar and history
  if (!pending) throw new Error('This login was not started here; please log in again.');
  const { as, client, options } = await server(config);
  const params = oauth.validateAuthResponse(as, client, here, pending.state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    params,
    redirectUri(),
    pending.verifier,
    options,
  );
  const result = await oauth.processAuthorizationCodeResponse(as, client, response);
  const claims = oauth.getValidatedIdTokenClaims(result)!;
  const session: Session = {
    accessToken: result.access_token,
    userId: claims.sub,
    expiresAt: Date.now() + (result.expires_in ?? 3600) * 1000,
  };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}
