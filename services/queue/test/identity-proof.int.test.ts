import type { ServiceHandle } from '@ticketing/platform';
import { IDENTITY_PROOF_HEADER, IdentityProofs, generateIdentityProofKey } from '@ticketing/auth';
import { identityToken, metricValue, testIdentityProofKey, uuid } from '@ticketing/testing';
import { knownConcert, startQueue, type TokenBody } from './harness';

/**
 * ADR 0019, the service's side: a join the gateway vouches for is served without checking the
 * token's signature. The identity provider of this instance answers nobody, so any join that
 * had to be verified here answers 503: a 201 proves the seal was taken instead.
 */
describe('a service takes the identity the gateway verified', () => {
  let queue: ServiceHandle;
  const proofs = new IdentityProofs(testIdentityProofKey());

  beforeAll(async () => {
    queue = await startQueue({ OIDC_ISSUER_URL: 'http://127.0.0.1:9/nobody' });
  });
  afterAll(() => queue?.stop());

  const joinAs = async (token: string, seal?: string) => {
    const res = await fetch(`${queue.url}/queue/tokens`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        ...(seal !== undefined && { [IDENTITY_PROOF_HEADER]: seal }),
      },
      body: JSON.stringify({ concertId: await knownConcert(queue) }),
    });
    return { status: res.status, body: (await res.json()) as TokenBody & { code?: string } };
  };
  const sealFor = (userId: string, token: string, key = proofs) =>
    key.seal({ kind: 'identity', userId, admin: false }, Date.now() + 60_000, token);
  const proofCounts = async () => ({
    accepted: await metricValue(queue.url, 'identity_proofs_total', { outcome: 'accepted' }),
    refused: await metricValue(queue.url, 'identity_proofs_total', { outcome: 'refused' }),
  });

  it('when a join carries the seal of its token, then it is served as the sealed user, with no signature check', async () => {
    const fan = uuid();
    const token = await identityToken(fan);
    const before = await proofCounts();
    const joined = await joinAs(token, sealFor(fan, token));
    expect(joined).toMatchObject({ status: 201, body: { userId: fan, status: 'WAITING' } });
    expect((await proofCounts()).accepted).toBe(before.accepted + 1);
  });

  it('when the seal is of another token, of another key, or there is none, then the token is checked here (503: no provider)', async () => {
    const fan = uuid();
    const token = await identityToken(fan);
    const before = await proofCounts();
    const otherToken = await identityToken(uuid());
    for (const seal of [
      sealFor(fan, otherToken),
      sealFor(fan, token, new IdentityProofs(generateIdentityProofKey())),
      undefined,
    ])
      expect(await joinAs(token, seal)).toMatchObject({
        status: 503,
        body: { code: 'SERVICE_UNAVAILABLE' },
      });
    expect(await proofCounts()).toEqual({ accepted: before.accepted, refused: before.refused + 2 });
  });
});
