// A program for the launcher's tests: answers 200 on /health/ready once $READY_AFTER_MS passed,
// writes one JSON line at start, exits 78 when told its configuration is bad.
import http from 'node:http';

if (process.env.BAD_CONFIG) {
  process.stderr.write('BAD_CONFIG: rejected\n');
  process.exit(78);
}
const startedAt = Date.now();
const readyAfter = Number(process.env.READY_AFTER_MS ?? 0);
http
  .createServer((req, res) => {
    const ready = Date.now() - startedAt >= readyAfter;
    res.writeHead(req.url === '/health/ready' && !ready ? 503 : 200).end(String(process.pid));
  })
  .listen(Number(process.env.PORT), '127.0.0.1', () =>
    process.stdout.write(`${JSON.stringify({ level: 'info', msg: 'listening' })}\n`),
  );
process.on('SIGTERM', () => process.exit(0));
