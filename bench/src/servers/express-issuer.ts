// Ceiling for token issuance and status polling: express doing the cryptography a join and a
// poll cannot do without, and nothing else (no line, no Redis, no routing rules).
// POST /queue/tokens verifies the caller's RS256 identity with the services' own verifier (the
// bench sends tokens it has not seen) and signs an ES256 pass with the queue's own signer;
// GET /queue/tokens/me verifies that pass. What a real join adds beyond this is the product.
import { randomUUID } from 'node:crypto';
import { IdentityVerifier } from '@ticketing/auth';
import { LOCAL_DEFAULTS } from '@ticketing/contracts';
import { createLogger } from '@ticketing/platform/process';
import { PassVerifier, TokenSigner } from '@ticketing/queue-pass';
import express from 'express';

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const identities = new IdentityVerifier(
  {
    OIDC_ISSUER_URL: required('OIDC_ISSUER_URL'),
    OIDC_AUDIENCE: process.env.OIDC_AUDIENCE ?? LOCAL_DEFAULTS.oidcAudience,
    OIDC_JWKS_COOLDOWN_SECONDS: 30,
  },
  createLogger({ service: 'express-issuer', level: 'silent' }),
).start();
const signer = new TokenSigner(required('QUEUE_PASS_SIGNING_KEY'));
const passes = new PassVerifier(signer.publicKeys);
const bearer = (header: string | undefined) => header?.replace(/^Bearer /, '') ?? '';

const app = express();
app.use(express.json());
app.post('/queue/tokens', async (req, res) => {
  try {
    const caller = await identities.verify(bearer(req.headers.authorization));
    const concertId = Number((req.body as { concertId?: unknown }).concertId);
    const token = await signer.sign(
      { userId: caller.userId, tokenId: randomUUID(), concertId },
      3600,
    );
    res.status(201).json({ token, status: 'WAITING', position: 1 });
  } catch {
    res.status(401).json({ code: 'TOKEN_INVALID' });
  }
});
app.get('/queue/tokens/me', async (req, res) => {
  try {
    const claims = await passes.verify(bearer(req.headers.authorization));
    res.json({ status: 'WAITING', position: 1, concertId: claims.concertId });
  } catch {
    res.status(401).json({ code: 'TOKEN_INVALID' });
  }
});
app.get('/health/ready', (_req, res) => {
  identities
    .readinessCheck()
    .then(() => res.json({ status: 'ok' }))
    .catch(() => res.status(503).json({ status: 'starting' }));
});
app.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
