/** Where an OpenID provider publishes its keys, and where it issues tokens. */
export interface Discovery {
  jwksUri: URL;
  tokenEndpoint?: string;
}

/** OpenID Connect Discovery 1.0: the document must name the issuer it was fetched for. */
export async function discover(issuer: string): Promise<Discovery> {
  const res = await fetch(`${issuer}/.well-known/openid-configuration`, {
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) throw new Error(`discovery answered ${res.status}`);
  const doc = (await res.json()) as {
    issuer?: unknown;
    jwks_uri?: unknown;
    token_endpoint?: unknown;
  };
  if (doc.issuer !== issuer) throw new Error(`discovery names issuer ${String(doc.issuer)}`);
  if (typeof doc.jwks_uri !== 'string') throw new Error('discovery names no jwks_uri');
  return {
    jwksUri: new URL(doc.jwks_uri),
    tokenEndpoint: typeof doc.token_endpoint === 'string' ? doc.token_endpoint : undefined,
  };
}
