import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';

// swagger-ui-dist ships the browser bundle as plain files; only these are served.
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};
const assetDir = path.dirname(require.resolve('swagger-ui-dist/package.json'));

/** Where the gateway serves its one document of the public API. */
export const API_DOCUMENT_PATH = '/docs/openapi.json';
// Generated from the services' route declarations (npm run openapi; ADR 0039), beside the
// events' AsyncAPI document.
const API_DOCUMENT_FILE = require.resolve('@ticketing/contracts/openapi.json');

/** Swagger UI over the public API's document. */
export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Concert ticketing API</title>
  <link rel="icon" href="/docs/favicon-32x32.png">
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: '${API_DOCUMENT_PATH}',
      dom_id: '#swagger-ui',
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: 'StandaloneLayout',
    });
  </script>
</body>
</html>
`;

/** The public API's document, as generated (its identity token URL is our /docs/oauth/token). */
export const sendApiDocument = (res: ServerResponse) =>
  sendFile(res, API_DOCUMENT_FILE, 'application/json', 300);

export async function sendAsset(res: ServerResponse, name: string): Promise<boolean> {
  const type = ASSETS[name];
  if (!type) return false;
  await sendFile(res, path.join(assetDir, name), type, 3600);
  return true;
}

/** A file of ours, whole, with its type and how long a browser may keep it. */
export async function sendFile(
  res: ServerResponse,
  file: string,
  type: string,
  maxAgeSeconds: number,
): Promise<void> {
  const content = await readFile(file);
  res.writeHead(200, {
    'content-type': type,
    'content-length': content.length,
    'cache-control': `public, max-age=${maxAgeSeconds}`,
  });
  res.end(content);
}
