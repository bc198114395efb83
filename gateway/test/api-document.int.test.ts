import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SERVICE_NAMES } from '@ticketing/contracts';
import { captureLogs } from '@ticketing/testing';
import { loadGatewayConfig } from '../src/config';
import { start, type GatewayHandle } from '../src/start';
import { anyParameterName, apiMdEndpoints, documentedAdditions } from './contract-endpoints';
import { Upstream } from './upstream';

const ROOT = path.resolve(__dirname, '../..');
const REDOCLY = path.join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');

interface Document {
  openapi: string;
  servers: { url: string }[];
  tags: { name: string }[];
  paths: Record<string, Record<string, { operationId?: string; tags?: string[] }>>;
  components: { securitySchemes: Record<string, { type: string; scheme?: string }> };
}

/**
 * The one document of the public API, as the gateway serves it (no service needs to run: it is
 * generated from their route declarations, gateway/test/api-document.unit): what API.md says, no
 * more and no less but the additions docs/architecture.md lists, and clean by redocly's rules.
 */
describe('the public API document at the gateway', () => {
  let services: Upstream;
  let gateway: GatewayHandle;
  let document: Document;
  const logs = captureLogs('gateway');
  const endpoints = () =>
    Object.entries(document.paths).flatMap(([p, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${p}`),
    );

  beforeAll(async () => {
    services = await new Upstream('services').start();
    const urls = Object.fromEntries(
      SERVICE_NAMES.map((s) => [`${s.toUpperCase()}_URLS`, services.url]),
    );
    gateway = await start(
      loadGatewayConfig({ GATEWAY_PORT: '0', GATEWAY_RATE_LIMIT: 'false', ...urls }),
      { logger: logs.logger },
    );
    const res = await fetch(`${gateway.url}/docs/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    document = (await res.json()) as Document;
  });
  afterAll(async () => {
    await gateway?.stop();
    await services?.stop();
  });

  it('when GET /docs/openapi.json, then it is one OpenAPI 3.1 document of the five services, made without asking them', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.tags.map((t) => t.name)).toEqual(SERVICE_NAMES);
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(services.seen).toEqual([]);
  });

  it("when its operations are listed, then they are API.md's endpoints and the additions docs/architecture.md lists, no more, no fewer", () => {
    const api = apiMdEndpoints();
    expect(api.length).toBeGreaterThanOrEqual(18); // the parse found API.md's tables
    expect(endpoints()).toEqual(expect.arrayContaining(api));
    const documented = new Set([...api.map(anyParameterName), ...documentedAdditions()]);
    expect(endpoints().map(anyParameterName).sort()).toEqual([...documented].sort());
  });

  it('when its operations are listed, then each has an operationId of its own and no path is internal', () => {
    const ids = Object.values(document.paths).flatMap((methods) =>
      Object.values(methods).map((op) => op.operationId),
    );
    expect(ids.filter((id) => typeof id !== 'string' || id === '')).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.keys(document.paths).filter((p) => p.startsWith('/internal'))).toEqual([]);
  });

  it('when its security schemes are read, then the identity and the queue pass are bearer tokens', () => {
    const { identity, queuePass } = document.components.securitySchemes;
    expect(queuePass).toMatchObject({ type: 'http', scheme: 'bearer' });
    // OAuth2 puts its access token in `Authorization: Bearer`; Swagger UI fetches one itself.
    expect(identity).toMatchObject({
      type: 'oauth2',
      flows: { clientCredentials: { tokenUrl: '/docs/oauth/token' } },
    });
  });

  it("when linted by redocly with the project's rules (redocly.yaml: recommended), then no error and no warning", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'openapi-'));
    const file = path.join(dir, 'openapi.json');
    await fs.writeFile(file, JSON.stringify(document));
    try {
      // redocly exits 1 on an error; its report says which, so it is read either way.
      const stdout = await promisify(execFile)(
        process.execPath,
        [REDOCLY, 'lint', file, '--config', path.join(ROOT, 'redocly.yaml'), '--format', 'json'],
        {
          env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        },
      ).then(
        (done) => done.stdout,
        (failed: { stdout?: string }) => failed.stdout ?? '',
      );
      const report = JSON.parse(stdout) as {
        totals: { errors: number; warnings: number };
        problems: { ruleId: string; message: string }[];
      };
      expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('when /docs is opened, then Swagger UI shows this one document', async () => {
    const html = await (await fetch(`${gateway.url}/docs`)).text();
    expect(html).toContain("url: '/docs/openapi.json'");
    expect(html).not.toContain('urls:');
    expect((await fetch(`${gateway.url}/docs/openapi/queue.json`)).status).toBe(404);
  });
});
