// A program for the launcher's tests: answers 200 on /health/ready once $READY_AFTER_MS passed,
// logs one JSON line at start, exits 78 when told its configuration is bad.
const http = require('node:http');
if (process.env.BAD_CONFIG) {
  console.error('BAD_CONFIG: rejected');
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
    console.log(JSON.stringify({ level: 'info', msg: 'listening', port: process.env.PORT })),
  );
process.on('SIGTERM', () => process.exit(0));
