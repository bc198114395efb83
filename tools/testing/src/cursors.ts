/**
 * What a client could make of a real cursor (`<base64url position>.<mac>`): its numbers made
 * huge, its uuid made dashes, its MAC changed, its position re-encoded without one. Each must
 * be a 400, never a page and never a 500.
 */
export function tamperedCursors(cursor: string): Record<string, string> {
  const [body = '', mac = ''] = cursor.split('.');
  const position = Buffer.from(body, 'base64url').toString('utf8');
  const encode = (p: string) => Buffer.from(p, 'utf8').toString('base64url');
  const all: Record<string, string> = {
    'its number made 20 nines': `${encode(position.replace(/\d+/, '9'.repeat(20)))}.${mac}`,
    'its uuid made 36 dashes': `${encode(position.replace(/[0-9a-f-]{36}$/, '-'.repeat(36)))}.${mac}`,
    'its MAC changed': `${body}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`,
    'its position alone': body,
    'the old, unsealed form': encode(position),
  };
  // A position without a uuid (or a number) leaves that variant unchanged: not a tampering.
  return Object.fromEntries(Object.entries(all).filter(([, c]) => c !== cursor));
}
