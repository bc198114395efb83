import net from 'node:net';

export interface RedisMonitor {
  stop(): void;
}

/**
 * Redis's own record of every command it runs (MONITOR), on a connection of its own:
 * `onCommand` gets each command's arguments, name first. Not ioredis' `monitor()`: it enters
 * monitoring mode only once MONITOR's OK has gone through a promise, so when the OK and the first
 * command's line arrive in one read (a busy Redis), it takes that line for the reply to nothing
 * and fails the connection ("Command queue state error").
 */
export function monitorRedis(
  url: string,
  onCommand: (args: string[]) => void,
): Promise<RedisMonitor> {
  const { hostname, port, username, password } = new URL(url);
  const socket = net.connect(Number(port || 6379), hostname || '127.0.0.1');
  return new Promise((resolve, reject) => {
    let buffered = '';
    let repliesBeforeMonitoring = password ? 2 : 1; // AUTH's OK, then MONITOR's
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('connect', () => {
      if (password)
        socket.write(command('AUTH', decodeURIComponent(username || 'default'), password));
      socket.write(command('MONITOR'));
    });
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      for (let end = buffered.indexOf('\r\n'); end >= 0; end = buffered.indexOf('\r\n')) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (repliesBeforeMonitoring > 0) {
          if (line !== '+OK') {
            socket.destroy(new Error(`MONITOR refused: ${line}`));
            return;
          }
          if (--repliesBeforeMonitoring === 0) resolve({ stop: () => socket.destroy() });
          continue;
        }
        onCommand(argumentsOf(line));
      }
    });
  });
}

/** A command in RESP, as Redis reads it. */
function command(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** `+<time> [<db> <client>] "name" "arg" …`: the quoted arguments, unescaped. */
function argumentsOf(line: string): string[] {
  const args: string[] = [];
  for (const [, quoted] of line.matchAll(/"((?:[^"\\]|\\.)*)"/g))
    args.push(quoted!.replace(/\\(x[0-9a-f]{2}|.)/g, (_, e: string) => unescape(e)));
  return args;
}

function unescape(escaped: string): string {
  if (escaped.length === 3) return String.fromCharCode(parseInt(escaped.slice(1), 16));
  return (
    ({ n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' } as Record<string, string>)[escaped] ??
    escaped
  );
}
