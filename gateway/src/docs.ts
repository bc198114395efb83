import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { SERVICE_NAMES } from './routes';

// swagger-ui-dist ships the browser bundle as plain files; only these are served.
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};
const assetDir = path.dirname(require.resolve('swagger-ui-dist/package.json'));

/** Swagger UI with a selector over the five services' documents (each fetched through us). */
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
      urls: ${JSON.stringify(SERVICE_NAMES.map((name) => ({ name, url: `/docs/openapi/${name}.json` })))},
      dom_id: '#swagger-ui',
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: 'StandaloneLayout',
    });
  </script>
</body>
</html>
`;

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
