import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { sendFile } from './docs';

/** Where the page of the events lives (beside Swagger UI at /docs). */
export const EVENTS_DOCS_PATH = '/docs/events';

// The AsyncAPI document generated from the contracts (npm run asyncapi), and the browser build
// of AsyncAPI's React component, which renders it; only these files are served.
const viewer = path.dirname(require.resolve('@asyncapi/react-component/package.json'));
const FILES: Record<string, { file: string; type: string }> = {
  'asyncapi.json': {
    file: require.resolve('@ticketing/contracts/asyncapi.json'),
    type: 'application/json',
  },
  'asyncapi-ui.js': {
    file: path.join(viewer, 'browser/standalone/index.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'asyncapi-ui.css': {
    file: path.join(viewer, 'styles/default.min.css'),
    type: 'text/css; charset=utf-8',
  },
};

/** The events as a readable page: every topic, message, schema, key, header, sender and handler. */
export const EVENTS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Concert ticketing events</title>
  <link rel="stylesheet" href="${EVENTS_DOCS_PATH}/asyncapi-ui.css">
</head>
<body>
  <div id="asyncapi"></div>
  <script src="${EVENTS_DOCS_PATH}/asyncapi-ui.js"></script>
  <script>
    AsyncApiStandalone.render(
      {
        schema: { url: '${EVENTS_DOCS_PATH}/asyncapi.json', options: { method: 'GET' } },
        config: { show: { sidebar: true }, sidebar: { showOperations: 'byDefault' } },
      },
      document.getElementById('asyncapi'),
    );
  </script>
</body>
</html>
`;

/** Serves /docs/events/<name> if it is one of ours; false otherwise. */
export async function sendEventsFile(res: ServerResponse, name: string): Promise<boolean> {
  const entry = FILES[name];
  if (!entry) return false;
  await sendFile(res, entry.file, entry.type, 300);
  return true;
}
