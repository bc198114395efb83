import {
  STREAM_TICKET_ISSUER,
  PassVerifier,
  TokenSigner,
  generatePassKeys,
} from '@ticketing/queue-pass';
import { identityToken, uuid } from '@ticketing/testing';

// The credentials a fan (or a bot) presents to the gateway, as the rate-limit tests make them.

export const keys = generatePassKeys();
/** The queue's signer of passes and stream tickets. */
export const signer = new TokenSigner(keys.signingKey);
/** The queue's verifiers of its passes and its stream tickets, on the same keys. */
export const passes = new PassVerifier(JSON.parse(keys.publicKeys));
export const streamTickets = new PassVerifier(JSON.parse(keys.publicKeys), STREAM_TICKET_ISSUER);

/** A fan's real identity token (the test's OpenID provider), as the bearer. */
export const bearer = async (sub: string) => `Bearer ${await identityToken(sub)}`;
/** A queue pass of that fan, signed with the queue's key. */
export const passOf = async (sub: string) =>
  `Bearer ${await signer.sign({ userId: sub, tokenId: uuid(), concertId: 1 }, 600)}`;
/** A JWT-shaped token naming `sub` with no valid signature: what a bot can make up. */
export const forged = (sub: string) =>
  `Bearer ${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub, iss: 'x' })).toString('base64url')}.c2ln`;
