import http from 'node:http';
import { loadOrCreateKeys } from './keys.js';
import { DEV_CLIENT_SECRET, createDevProvider } from './provider.js';

/**
 * The development OpenID provider: `OIDC_DEV_ISSUER` (http://localhost:8090/default) served on
 * the loopback interfaces at the issuer's port and path, keys from `OIDC_DEV_KEYS_FILE`.
 */
const issuer = new URL(process.env.OIDC_DEV_ISSUER ?? 'http://localhost:8090/default');
const keysFile = process.env.OIDC_DEV_KEYS_FILE ?? '.infra/oidc/keys.json';
const audience = process.env.OIDC_DEV_AUDIENCE ?? 'ticketing';
const tokenTtlSeconds = Number(process.env.OIDC_DEV_TOKEN_TTL_SECONDS ?? 3600);
// Inside a container the provider must answer on every interface; locally, loopback only.
const hosts = (process.env.OIDC_DEV_LISTEN ?? '127.0.0.1,::1').split(',');
// Kafka UI's login callback, as the browser reaches it (compose and port-forward: 8081).
const kafkaUiRedirectUris = (
  process.env.OIDC_DEV_KAFKA_UI_REDIRECT_URIS ??
  'http://localhost:8081/login/oauth2/code/ticketing,http://127.0.0.1:8081/login/oauth2/code/ticketing'
).split(',');

// The fan app's login callback (apps/fan): the gateway's `/` locally (any port on loopback).
const fanAppRedirectUris = (
  process.env.OIDC_DEV_FAN_APP_REDIRECT_URIS ?? 'http://localhost:8080/,http://127.0.0.1:8080/'
).split(',');

const mount = issuer.pathname.replace(/\/+$/, '');
const provider = createDevProvider({
  issuer: issuer.toString().replace(/\/+$/, ''),
  audience,
  keys: await loadOrCreateKeys(keysFile),
  tokenTtlSeconds,
  kafkaUiRedirectUris,
  kafkaUiClientSecret: process.env.OIDC_DEV_KAFKA_UI_CLIENT_SECRET ?? DEV_CLIENT_SECRET,
  fanAppRedirectUris,
});
provider.proxy = process.env.OIDC_DEV_TRUST_PROXY === 'true';
// Why a request was refused, for whoever reads this provider's log (the answer says little).
const refused = (event: string) => (_ctx: unknown, err: Error & { error_detail?: string }) =>
  process.stderr.write(`oidc-provider: ${event}: ${err.message} ${err.error_detail ?? ''}\n`);
provider.on('grant.error', refused('grant.error'));
provider.on('authorization.error', refused('authorization.error'));
provider.on('server_error', refused('server_error'));
const callback = provider.callback();

const handler: http.RequestListener = (req, res) => {
  const url = req.url ?? '/';
  if (url === mount || url.startsWith(`${mount}/`) || url.startsWith(`${mount}?`)) {
    // oidc-provider builds its endpoint URLs from originalUrl and routes on url.
    (req as http.IncomingMessage & { originalUrl?: string }).originalUrl = url;
    req.url = url.slice(mount.length) || '/';
    return void callback(req, res);
  }
  const health = url === '/health' || url === '/health/live';
  res.writeHead(health ? 200 : 404, { 'content-type': 'text/plain' });
  res.end(health ? 'ok' : 'not found');
};

const servers = await Promise.all(
  hosts.map(
    (host) =>
      new Promise<http.Server | undefined>((resolve) => {
        const server = http.createServer(handler);
        server.once('error', (err: NodeJS.ErrnoException) => {
          // No IPv6 on this host: IPv4 alone is enough.
          if (host === '::1' && err.code === 'EADDRNOTAVAIL') return resolve(undefined);
          process.stderr.write(
            `oidc-provider: cannot listen on ${host}:${issuer.port}: ${err.message}\n`,
          );
          process.exit(1);
        });
        server.listen(Number(issuer.port || 80), host, () => resolve(server));
      }),
  ),
);
process.stdout.write(`oidc-provider: issuer ${issuer.toString()} (keys ${keysFile})\n`);

const stop = () => {
  for (const server of servers) server?.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
