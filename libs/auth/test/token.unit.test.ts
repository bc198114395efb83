import { SignJWT, UnsecuredJWT } from 'jose';
import { InvalidTokenError, TokenSigner } from '../src/token';

const SECRET = 'a-test-secret-that-is-long-enough-1234';
const claims = {
  userId: '6f1c1c4e-8a7e-4d0b-9a55-1c1f1b7b0c11',
  tokenId: '0b0e7b1e-6f6c-4f55-9a3e-0f3f2b6e9a21',
  concertId: 7,
};

describe('queue token signing', () => {
  const signer = new TokenSigner(SECRET);

  it('when a token is signed and verified, then the claims come back', async () => {
    const token = await signer.sign(claims, 60);
    await expect(signer.verify(token)).resolves.toEqual(claims);
  });

  it('when the secret is too short, then the signer refuses to exist', () => {
    expect(() => new TokenSigner('short')).toThrow(/at least 32/);
  });

  it('when the token is expired, then it is rejected as expired', async () => {
    const token = await signer.sign(claims, 60, Date.now() - 120_000);
    await expect(signer.verify(token)).rejects.toThrow(new InvalidTokenError('expired'));
  });

  it('when the token was signed with another secret (forged), then it is rejected', async () => {
    const forged = await new TokenSigner(`${SECRET}-other`).sign(claims, 60);
    await expect(signer.verify(forged)).rejects.toThrow(InvalidTokenError);
  });

  it('when the payload was altered, then the signature no longer matches', async () => {
    const [header, , signature] = (await signer.sign(claims, 60)).split('.');
    const payload = Buffer.from(
      JSON.stringify({
        sub: claims.userId,
        jti: claims.tokenId,
        cid: 8,
        iss: 'ticketing-queue',
        exp: 9e9,
      }),
    ).toString('base64url');
    await expect(signer.verify(`${header}.${payload}.${signature}`)).rejects.toThrow(
      InvalidTokenError,
    );
  });

  it('when the token is unsigned (alg none), then it is rejected', async () => {
    const unsecured = new UnsecuredJWT({ cid: 7 })
      .setSubject(claims.userId)
      .setJti(claims.tokenId)
      .setIssuer('ticketing-queue')
      .setExpirationTime('1h')
      .encode();
    await expect(signer.verify(unsecured)).rejects.toThrow(InvalidTokenError);
  });

  it('when a claim is missing or malformed, then it is rejected', async () => {
    const key = new TextEncoder().encode(SECRET);
    const noConcert = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('ticketing-queue')
      .setSubject(claims.userId)
      .setJti(claims.tokenId)
      .setExpirationTime('1h')
      .sign(key);
    await expect(signer.verify(noConcert)).rejects.toThrow(
      new InvalidTokenError('malformed claims'),
    );
    const noJti = await new SignJWT({ cid: 7 })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('ticketing-queue')
      .setSubject(claims.userId)
      .setExpirationTime('1h')
      .sign(key);
    await expect(signer.verify(noJti)).rejects.toThrow(InvalidTokenError);
  });

  it.each(['', 'garbage', 'a.b.c', 'eyJhbGciOiJIUzI1NiJ9.e30'])(
    'when the token is "%s", then it is rejected as malformed',
    async (token) => {
      await expect(signer.verify(token)).rejects.toThrow(InvalidTokenError);
    },
  );
});
