// Floor: two bare Node HTTP hops, the least a request through a Node gateway to a Node service
// costs on this machine. A proxy with the gateway's keep-alive agent forwards to UPSTREAM_URL
// (bare-http); no routing, budgets, identity, framework, Redis or signing.
import http from 'node:http';

const upstream = new URL(process.env.UPSTREAM_URL!);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 1024 });

http
  .createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = { ...req.headers, 'content-length': String(body.length) };
      delete headers.host;
      delete headers.connection;
      const forward = http.request(
        {
          agent,
          hostname: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  })
  .listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
