import fs from 'node:fs';
import http from 'node:http';

/**
 * A load generator of event streams, one process of several (each process stays under the
 * machine's 20,000 descriptors): opens one `GET /queue/tokens/me/events` per pass in the file it
 * is given, from the local address it is given (each address has its own ephemeral ports), and
 * counts the events. Writes `{"open": n}` once every stream answered, and on SIGTERM
 * `{"open", "events", "failed"}` before it exits.
 *
 * argv: url, passes file (JSON array of pass tokens), local address.
 */
const [url, passesFile, localAddress] = process.argv.slice(2) as [string, string, string];
const passes = JSON.parse(fs.readFileSync(passesFile, 'utf8')) as string[];
const target = new URL(url);
let open = 0;
let events = 0;
let failed = 0;
let answered = 0;
/** Why streams were refused: status codes and error codes, with counts. */
const reasons: Record<string, number> = {};
const refused = (reason: string) => {
  failed++;
  reasons[reason] = (reasons[reason] ?? 0) + 1;
};

const report = (extra: Record<string, number>) =>
  process.stdout.write(`${JSON.stringify({ open, events, failed, reasons, endings, ...extra })}\n`);

// As a browser's EventSource does: a connection that failed, or a 5xx, is tried again after the
// stream's `retry` (2 s); a few times, then the stream counts as refused.
const RETRY_MS = 2000;
const ATTEMPTS = 3;
let reconnects = 0;
/** Streams that ended while listened to, by their last event (`active`: the fan was admitted). */
const endings: Record<string, number> = {};

function connect(pass: string, attempt: number, done: () => void): void {
  const settle = (reason?: string) => {
    if (reason !== undefined) {
      if (attempt < ATTEMPTS) {
        reconnects++;
        setTimeout(() => connect(pass, attempt + 1, done), RETRY_MS);
        return;
      }
      refused(reason);
    }
    done();
    answered++;
    if (answered === passes.length) report({ ready: 1, reconnects });
  };
  let answeredHere = false;
  const req = http.request(
    {
      host: target.hostname,
      port: target.port,
      path: '/queue/tokens/me/events',
      headers: { authorization: `Bearer ${pass}` },
      localAddress,
      agent: false,
    },
    (res) => {
      answeredHere = true;
      if (res.statusCode !== 200) {
        res.resume();
        const status = res.statusCode ?? 0;
        if (status >= 500) return settle(String(status));
        refused(String(status)); // a 4xx is an answer: not tried again
        return settle();
      }
      open++;
      res.setEncoding('utf8');
      let last = 'none';
      res.on('data', (chunk: string) => {
        for (let i = chunk.indexOf('event: '); i >= 0; i = chunk.indexOf('event: ', i + 1)) {
          events++;
          const end = chunk.indexOf('\n', i);
          if (end > 0) last = chunk.slice(i + 7, end);
        }
      });
      res.on('close', () => {
        open = Math.max(0, open - 1);
        endings[last] = (endings[last] ?? 0) + 1;
      });
      settle();
    },
  );
  req.on('error', (err: NodeJS.ErrnoException) => {
    if (!answeredHere) settle(err.code ?? err.message); // not after the stream was open
  });
  req.end();
}

// Opened as a crowd arrives, not all at once: at most OPENING streams awaiting their answer at a
// time (each answer lets the next one in), so neither the servers' listen backlogs nor a
// reconnection storm is what gets measured, however many generators start together.
const OPENING = 64;
let next = 0;
let opening = 0;
function openMore(): void {
  while (opening < OPENING && next < passes.length) {
    opening++;
    connect(passes[next++]!, 1, () => {
      opening--;
      openMore();
    });
  }
}
openMore();
process.on('SIGTERM', () => {
  report({ reconnects });
  process.exit(0);
});
