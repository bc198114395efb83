import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { SignJWT, importJWK, type JWK, type JWTPayload } from 'jose';
import { testInfra } from './env';

interface IssuedToken {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
}

const tokenEndpoints = new Map<string, Promise<string>>();
// A test asks for the same user's token many times; the provider's answer is good for an hour.
const issued = new Map<string, Promise<string>>();

function tokenEndpoint(issuer: string): Promise<string> {
  let endpoint = tokenEndpoints.get(issuer);
  if (!endpoint) {
    endpoint = fetch(`${issuer}/.well-known/openid-configuration`)
      .then((res) => res.json() as Promise<{ token_endpoint: string }>)
      .then((doc) => doc.token_endpoint);
    // A discovery that got no answer is asked again next time, not remembered as the answer.
    endpoint.catch(() => tokenEndpoints.delete(issuer));
    tokenEndpoints.set(issuer, endpoint);
  }
  return endpoint;
}

/**
 * An access token of the real development OpenID provider for `userId`, asked the way API.md
 * describes (client credentials, `client_id=<userId>`, `client_secret=dev`). With `admin`, it
 * carries the `ticketing:admin` scope.
 */
export function identityToken(
  userId: string = randomUUID(),
  options: { admin?: boolean; issuer?: string } = {},
): Promise<string> {
  const issuer = options.issuer ?? testInfra().oidcIssuer;
  const key = `${issuer} ${userId} ${options.admin === true}`;
  let token = issued.get(key);
  if (!token) {
    token = requestToken(issuer, userId, options.admin === true);
    token.catch(() => issued.delete(key));
    issued.set(key, token);
  }
  return token;
}

async function requestToken(issuer: string, userId: string, admin: boolean): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: userId,
    client_secret: 'dev',
    ...(admin && { scope: 'ticketing:admin' }),
  });
  const res = await fetch(await tokenEndpoint(issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  const body = (await res.json()) as IssuedToken;
  if (!res.ok) throw new Error(`the OpenID provider refused a token: ${JSON.stringify(body)}`);
  return body.access_token;
}

/** A user with an identity token of the development provider. */
export async function identifiedUser(
  options: { admin?: boolean } = {},
): Promise<{ userId: string; identity: string }> {
  const userId = randomUUID();
  return { userId, identity: await identityToken(userId, options) };
}

/**
 * A token signed with the development provider's own current key but with claims the test
 * chooses (another issuer or audience, an expiry in the past): what only the provider's key
 * holder could make, so a refusal proves the claim check, not the signature check.
 */
export async function tokenSignedByProvider(
  claims: JWTPayload,
  keysFile = testInfra().oidcKeysFile,
  typ = 'at+jwt',
): Promise<string> {
  return (await providerSigner(keysFile, typ))(claims);
}

/**
 * Signs claims with the development provider's current key, imported once: for a load test that
 * needs thousands of distinct users' access tokens (each exactly what the provider issues).
 */
export async function providerSigner(
  keysFile = testInfra().oidcKeysFile,
  typ = 'at+jwt',
): Promise<(claims: JWTPayload) => Promise<string>> {
  const { keys } = JSON.parse(fs.readFileSync(keysFile, 'utf8')) as {
    keys: (JWK & { kid: string })[];
  };
  const jwk = keys[0]!;
  const key = await importJWK(jwk, 'RS256');
  return (claims) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iat: now, exp: now + 3600, ...claims })
      .setProtectedHeader({ alg: 'RS256', typ, kid: jwk.kid })
      .sign(key);
  };
}

/** Access tokens of `userIds` as the development provider issues them (its key, its claims). */
export async function providerTokens(
  userIds: string[],
  provider: { issuer: string; keysFile: string } = {
    issuer: testInfra().oidcIssuer,
    keysFile: testInfra().oidcKeysFile,
  },
  audience = 'ticketing',
): Promise<string[]> {
  const sign = await providerSigner(provider.keysFile);
  const iss = provider.issuer;
  return Promise.all(userIds.map((sub) => sign({ sub, iss, aud: audience, client_id: sub })));
}
