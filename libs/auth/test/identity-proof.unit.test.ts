import { IdentityProofs, generateIdentityProofKey, identityProofKeyEnv } from '../src';
import { productionSecretProblems } from '@ticketing/platform';

const key = generateIdentityProofKey();
const proofs = new IdentityProofs(key);
const alice = { kind: 'identity' as const, userId: 'alice.smith@example', admin: false };
const now = Date.parse('2026-11-25T12:00:00Z');
const inAnHour = now + 3_600_000;

describe('identity proofs (the gateway seals an identity it verified; ADR 0019)', () => {
  it('when a seal is opened with the key, for the token it was made for, then it gives the identity back', () => {
    const seal = proofs.seal(alice, inAnHour, 'token-a');
    expect(proofs.open(seal, 'token-a', now, 30)).toEqual(alice);
    const operator = { ...alice, admin: true };
    expect(proofs.open(proofs.seal(operator, inAnHour, 'token-a'), 'token-a', now, 30)).toEqual(
      operator,
    );
  });

  it('when a seal travels with another token, then it proves nothing', () => {
    expect(
      proofs.open(proofs.seal(alice, inAnHour, 'token-a'), 'token-b', now, 30),
    ).toBeUndefined();
  });

  it('when a seal was made with another key, then it proves nothing', () => {
    const other = new IdentityProofs(generateIdentityProofKey());
    expect(proofs.open(other.seal(alice, inAnHour, 'token-a'), 'token-a', now, 30)).toBeUndefined();
  });

  it('when its token has expired (beyond the clock skew), then the seal proves nothing', () => {
    const seal = proofs.seal(alice, now - 10_000, 'token-a');
    expect(proofs.open(seal, 'token-a', now, 30)).toEqual(alice); // within the skew
    expect(proofs.open(seal, 'token-a', now + 20_001, 30)).toBeUndefined();
  });

  it('when any part of a seal is changed, then it proves nothing', () => {
    const seal = proofs.seal(alice, inAnHour, 'token-a');
    const [version, exp, admin, mac] = seal.split('.');
    const variants = [
      `${version}.${Number(exp) + 1}.${admin}.${mac}.${alice.userId}`,
      `${version}.${exp}.1.${mac}.${alice.userId}`,
      `${version}.${exp}.${admin}.${mac}.mallory`,
      `v2.${exp}.${admin}.${mac}.${alice.userId}`,
      `${version}.${exp}.${admin}.${mac!.slice(1)}.${alice.userId}`,
      'garbage',
      '',
      `${version}.${exp}.${admin}.${mac}.bad user id`,
    ];
    for (const v of variants)
      expect({ v, opened: proofs.open(v, 'token-a', now, 30) }).toEqual({ v, opened: undefined });
  });

  it('when the key is short or not base64url, then the configuration refuses it; in production, an example key too', () => {
    const schema = identityProofKeyEnv();
    expect(schema.safeParse('c2hvcnQ').success).toBe(false);
    expect(schema.safeParse(key).success).toBe(true);
    expect(schema.safeParse(undefined).success).toBe(true); // unset: no proofs
    const shape = { IDENTITY_PROOF_KEY: schema };
    expect(productionSecretProblems(shape, {})).toEqual([]);
    expect(
      productionSecretProblems(shape, {
        IDENTITY_PROOF_KEY: 'dev-identity-proof-key-0123456789abcdefghijklmnopqrstuvwxyz',
      }),
    ).toEqual([expect.objectContaining({ variable: 'IDENTITY_PROOF_KEY' })]);
  });
});
