import { z } from 'zod';
import { DEFAULT_DRAIN_MS, DRAIN_AT_LEAST_MS } from './http/connection-drain';
import { productionSecretProblems } from './secrets';

/**
 * Typed configuration from environment variables. A service declares the variables it reads
 * (their names are the keys) and gets a typed object back, or a ConfigError naming every
 * variable that is missing or malformed.
 */
export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      `Invalid configuration: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`,
    );
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

// An empty variable means "not set": `FOO= npm start` should fall back to the default.
const unsetIfEmpty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/**
 * The one way this project reads a setting from the environment (services, the gateway, the
 * tools): a zod schema per variable, an empty variable read as unset (its default applies), and
 * `loadConfig` naming every variable that is missing or malformed.
 */
export const env = {
  /** Any schema, an empty variable read as unset. */
  from: <T extends z.ZodType>(schema: T) => z.preprocess(unsetIfEmpty, schema),
  string: (opts: { default?: string; minLength?: number } = {}) => {
    const base = z
      .string()
      .min(opts.minLength ?? 1, `must be at least ${opts.minLength ?? 1} characters`);
    return z.preprocess(
      unsetIfEmpty,
      opts.default === undefined ? base : base.default(opts.default),
    );
  },
  int: (opts: { default?: number; min?: number; max?: number } = {}) => {
    const min = opts.min ?? Number.MIN_SAFE_INTEGER;
    const max = opts.max ?? Number.MAX_SAFE_INTEGER;
    const base = z.coerce
      .number({ message: 'must be an integer' })
      .int('must be an integer')
      .min(min, `must be >= ${min}`)
      .max(max, `must be <= ${max}`);
    return z.preprocess(
      unsetIfEmpty,
      opts.default === undefined ? base : base.default(opts.default),
    );
  },
  port: (fallback: number) => env.int({ default: fallback, min: 0, max: 65535 }),
  url: (opts: { default?: string; protocols: string[] }) => {
    const base = z.string().refine(
      (v) => {
        try {
          return opts.protocols.includes(new URL(v).protocol.replace(':', ''));
        } catch {
          return false;
        }
      },
      `must be a URL with protocol ${opts.protocols.join(' or ')}`,
    );
    return z.preprocess(
      unsetIfEmpty,
      opts.default === undefined ? base : base.default(opts.default),
    );
  },
  /** Comma-separated host:port list, e.g. KAFKA_BROKERS. */
  hostList: (fallback: string) =>
    z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .default(fallback)
        .transform((v) =>
          v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        )
        .refine(
          (hosts) => hosts.length > 0 && hosts.every((h) => /^[\w.-]+:\d{1,5}$/.test(h)),
          'must be a comma-separated list of host:port',
        ),
    ),
  /** Comma-separated base URLs, e.g. `http://10.0.0.5:3002,http://10.0.0.6:3002`. */
  urlList: (fallback: string) =>
    z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .default(fallback)
        .transform((v) =>
          v
            .split(',')
            .map((s) => s.trim().replace(/\/+$/, ''))
            .filter(Boolean),
        )
        .refine(
          (urls) => urls.length > 0 && urls.every((u) => /^https?:\/\/[^/\s]+$/.test(u)),
          'must be a comma-separated list of http://host:port',
        ),
    ),
  oneOf: <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
    z.preprocess(unsetIfEmpty, z.enum(values).default(fallback)),
  optionalString: () => z.preprocess(unsetIfEmpty, z.string().optional()),
  bool: (fallback: boolean) =>
    z.preprocess(
      unsetIfEmpty,
      z
        .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
        .default(fallback ? 'true' : 'false')
        .transform((v) => v === 'true' || v === '1'),
    ),
};

/** Variables every service reads. */
export const commonEnv = {
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  INSTANCE_ID: env.string({ default: String(process.pid) }),
  /**
   * How long a stopping service drains its kept-alive connections (see ConnectionDrain): 0 (no
   * drain), or long enough for an idle connection to outlast the gateway's idle timeout.
   */
  HTTP_DRAIN_MS: env
    .int({ default: DEFAULT_DRAIN_MS, min: 0, max: 30_000 })
    .refine(
      (ms) => ms === 0 || ms >= DRAIN_AT_LEAST_MS,
      `must be 0 (no drain) or >= ${DRAIN_AT_LEAST_MS}`,
    ),
};

export function loadConfig<S extends z.ZodRawShape>(
  shape: S,
  source: Env = process.env,
): z.output<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(source);
  if (result.success) {
    if (source.NODE_ENV === 'production') {
      const problems = productionSecretProblems(shape, source);
      if (problems.length > 0) throw new ConfigError(problems);
    }
    return result.data;
  }
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? '?');
      const raw = source[variable];
      const message =
        raw === undefined || raw === ''
          ? `is required (${issue.message})`
          : `${issue.message}, got "${raw}"`;
      return { variable, message };
    }),
  );
}
