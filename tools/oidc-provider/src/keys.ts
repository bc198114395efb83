import fs from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/** A private signing key as the provider keeps it (RS256, with its `kid`). */
export type SigningKey = JWK & { kid: string; alg: 'RS256'; use: 'sig' };

/** A new RS256 key whose `kid` is its RFC 7638 thumbprint. */
export async function newSigningKey(): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' };
}

/**
 * The provider's keys, kept in a file so that a restart keeps the tokens it issued valid. The
 * first key signs; the others are still published (a rotation keeps the old key until the
 * tokens it signed have expired). A missing file gets one new key.
 */
export async function loadOrCreateKeys(file: string): Promise<SigningKey[]> {
  if (fs.existsSync(file)) {
    const { keys } = JSON.parse(fs.readFileSync(file, 'utf8')) as { keys: SigningKey[] };
    if (keys.length > 0) return keys;
  }
  const keys = [await newSigningKey()];
  writeKeys(file, keys);
  return keys;
}

export function writeKeys(file: string, keys: SigningKey[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ keys }, null, 2), { mode: 0o600 });
}

/** Rotation: a new signing key in front, the previous ones kept for verification. */
export async function rotateKeys(file: string): Promise<SigningKey> {
  const key = await newSigningKey();
  writeKeys(file, [key, ...(await loadOrCreateKeys(file))]);
  return key;
}
