import type { z } from 'zod';

/**
 * Secrets that appear in this repository (the dev overlay's throwaway values, the examples of the
 * docs): public the moment the repository is, so a process in production mode refuses them.
 * deploy/test checks that every literal secret of the dev overlay is listed here.
 */
export const EXAMPLE_SECRETS: ReadonlySet<string> = new Set([
  'change-me',
  'change-me-in-production',
  'change-me-in-production-0123456789abcdef',
  'ticketing',
  'postgres',
  'password',
  'secret',
  'dev-app',
  'dev-owner',
  'dev-redis-queue-0123456789',
  'dev-redis-gateway-0123456789',
  'dev-redis-concert-0123456789',
  'dev-redis-reservation-0123456789',
  'dev-redis-payment-0123456789',
  // The dev overlay's identity proof key (ADR 0019).
  'dev-identity-proof-key-0123456789abcdefghijklmnopqrstuvwxyz',
  // The dev overlay's pass signing keys (their private part `d`): today's P-256 one and the
  // Ed25519 one it replaced (published, so never a secret again).
  'TqFmT5WRgXkSScNNzKnz4g7_d1BYAatCl6jFXbvyXsg',
  'e_5TQSFtoKxUGNAzm6-7jJNvn8HXSubkdUMbctYnlSU',
]);

/** The shortest secret production mode takes (a password a person typed is shorter). */
export const MIN_SECRET_LENGTH = 16;

/** How to find the secret in a variable's raw value (a URL's password, a JWK's `d`). */
export type SecretPart = (raw: string) => string | undefined;

const secretParts = new WeakMap<z.ZodTypeAny, { part: SecretPart; optional: boolean }>();

/**
 * Marks a variable as holding a secret: with NODE_ENV=production a process refuses to start when
 * it is missing (unless `optional`: a feature that stays off without it), shorter than
 * MIN_SECRET_LENGTH or one of EXAMPLE_SECRETS, naming it.
 */
export function secret<T extends z.ZodTypeAny>(
  schema: T,
  part: SecretPart = (raw) => raw,
  options: { optional?: boolean } = {},
): T {
  secretParts.set(schema, { part, optional: options.optional ?? false });
  return schema;
}

/** What is wrong with the secrets of `shape` in `source` for production (empty: nothing). */
export function productionSecretProblems(
  shape: z.ZodRawShape,
  source: Record<string, string | undefined>,
): { variable: string; message: string }[] {
  const problems: { variable: string; message: string }[] = [];
  for (const [variable, schema] of Object.entries(shape)) {
    const marked = secretParts.get(schema as z.ZodTypeAny);
    if (!marked) continue;
    const { part, optional } = marked;
    const raw = source[variable]?.trim();
    if (!raw && optional) continue;
    let value: string | undefined;
    try {
      value = raw ? part(raw) : undefined;
    } catch {
      value = undefined; // malformed: the variable's own check says so
    }
    if (!value)
      problems.push({
        variable,
        message: 'is required in production (NODE_ENV=production): a secret of your own',
      });
    else if (
      EXAMPLE_SECRETS.has(value) ||
      [...EXAMPLE_SECRETS].some((e) => e.length >= 8 && value.startsWith(e))
    )
      problems.push({
        variable,
        message:
          'holds an example secret from this repository: make your own (docs/operations.md, "Secrets")',
      });
    else if (value.length < MIN_SECRET_LENGTH)
      problems.push({
        variable,
        message: `is too short for production: at least ${MIN_SECRET_LENGTH} characters`,
      });
  }
  return problems;
}

/** A URL's password (a database or Redis URL), percent-decoded. */
export const passwordOfUrl: SecretPart = (raw) =>
  decodeURIComponent(new URL(raw).password) || undefined;
