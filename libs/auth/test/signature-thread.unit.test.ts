import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT, errors, exportJWK, type JSONWebKeySet } from 'jose';
import { SignatureThread } from '../src/signature-thread';

const ISSUER = 'https://id.example.com';
const options = { issuer: ISSUER, audience: 'ticketing', algorithms: ['RS256'] };

function keyPair(kid: string) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, jwk: async () => ({ ...(await exportJWK(publicKey)), kid, alg: 'RS256' }) };
}

const tokenOf = (key: ReturnType<typeof keyPair>['privateKey'], kid: string, claims = {}) =>
  new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'RS256', kid })
    .setIssuer(ISSUER)
    .setAudience('ticketing')
    .setSubject(randomUUID())
    .setExpirationTime('5m')
    .sign(key);

describe('checking identity tokens on a thread of their own', () => {
  const a = keyPair('a');
  const b = keyPair('b');
  let keys: JSONWebKeySet;
  let thread: SignatureThread;

  beforeAll(async () => {
    keys = { keys: [await a.jwk()] };
  });
  beforeEach(() => {
    thread = new SignatureThread(options);
    thread.setKeys(keys);
  });
  afterEach(() => thread.stop());

  it('when many tokens arrive at once, then each gets its own answer (the first on the event loop, the rest on the thread)', async () => {
    const good = await Promise.all(Array.from({ length: 20 }, () => tokenOf(a.privateKey, 'a')));
    const unknownKey = await tokenOf(b.privateKey, 'b');
    const forged = `${good[0]!.slice(0, good[0]!.lastIndexOf('.'))}.${good[1]!.split('.')[2]}`;
    const otherAudience = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'a' })
      .setIssuer(ISSUER)
      .setAudience('someone-else')
      .setSubject('x')
      .setExpirationTime('5m')
      .sign(a.privateKey);
    const outcomes = await Promise.all(
      [...good, unknownKey, forged, otherAudience, 'not.a.jwt'].map((t) => thread.check(t)),
    );
    outcomes
      .slice(0, 20)
      .forEach((o, i) =>
        expect(o).toEqual({ ok: true, payload: expect.objectContaining({ sub: subOf(good[i]!) }) }),
      );
    expect(outcomes.slice(20).map((o) => (o.ok ? 'ok' : o.code))).toEqual([
      errors.JWKSNoMatchingKey.code,
      errors.JWSSignatureVerificationFailed.code,
      errors.JWTClaimValidationFailed.code,
      errors.JWSInvalid.code,
    ]);
  });

  it('when new keys are handed over, then tokens of the new key pass', async () => {
    const token = await tokenOf(b.privateKey, 'b');
    expect((await thread.check(token)).ok).toBe(false);
    thread.setKeys({ keys: [await a.jwk(), await b.jwk()] });
    expect((await thread.check(token)).ok).toBe(true);
  });

  it('when the thread dies, then the checks in flight are answered "not checked" and the next check gets a new thread', async () => {
    // A program that dies on the token "die" and accepts any other (the real one is above).
    const program = `
      const { parentPort } = require('node:worker_threads');
      parentPort.on('message', (m) => {
        if (!m.tokens) return;
        if (m.tokens.includes('die')) process.exit(3);
        parentPort.postMessage({ id: m.id, results: m.tokens.map(() => ({ ok: true, payload: {} })) });
      });`;
    const fragile = new SignatureThread(options, program); // no keys: every check goes to it
    try {
      const lost = await Promise.all([fragile.check('die'), fragile.check('other')]);
      expect(lost).toEqual([
        expect.objectContaining({ ok: false, code: 'ERR_THREAD_LOST' }),
        expect.objectContaining({ ok: false, code: 'ERR_THREAD_LOST' }),
      ]);
      expect(await fragile.check('fine')).toEqual({ ok: true, payload: {} });
    } finally {
      await fragile.stop();
    }
  });

  it('when stopped, then a check is answered at once, unchecked', async () => {
    await thread.stop();
    expect(await thread.check(await tokenOf(a.privateKey, 'a'))).toMatchObject({
      ok: false,
      code: 'ERR_STOPPED',
    });
  });
});

const subOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;
