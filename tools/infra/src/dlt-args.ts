import { dltOf, type TopicNamespace } from '@ticketing/messaging';

/** A command line `npm run dlt` cannot act on: exit 64 with the usage. */
export class UsageError extends Error {}

/** `--since`: an ISO time, or a span back from now (`30m`, `6h`, `7d`). */
export function sinceOf(value: string | undefined, now = Date.now()): Date | undefined {
  if (value === undefined) return undefined;
  const span = /^(\d+)([mhd])$/.exec(value);
  if (span) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[span[2] as 'm' | 'h' | 'd'];
    return new Date(now - Number(span[1]) * unit);
  }
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new UsageError(`--since: "${value}" is neither a time nor 30m/6h/7d`);
  return new Date(at);
}

/** The `.dlt` topic an operator means: the prefix added unless given, `.dlt` added unless given. */
export function dltTopicOf(name: string, namespace: TopicNamespace): string {
  const prefixed =
    namespace.prefix && !name.startsWith(namespace.prefix) ? namespace.name(name) : name;
  return prefixed.endsWith('.dlt') ? prefixed : dltOf(prefixed);
}
