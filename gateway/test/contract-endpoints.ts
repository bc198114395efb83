import fs from 'node:fs';
import path from 'node:path';
import { serviceFor } from '../src/routes';

const ROOT = path.resolve(__dirname, '../..');
const METHOD_AND_PATH = /`(GET|POST|PUT|PATCH|DELETE) (\/[^\s`?]*)/g;

/** `METHOD /path` of every endpoint a table row of `markdown` names (a table row: `| …`). */
function endpointsOf(markdown: string): string[] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.matchAll(METHOD_AND_PATH)].map((m) => `${m[1]} ${m[2]}`));
}

/** The part of `markdown` under the `## heading`, up to the next one. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}`);
  if (start < 0) throw new Error(`no section "## ${heading}"`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

/** API.md's endpoints: the first cell of each row of its tables (Queue … Payments). */
export function apiMdEndpoints(): string[] {
  const markdown = fs.readFileSync(path.join(ROOT, 'docs/API.md'), 'utf8');
  return markdown
    .split('\n')
    .map((line) => /^\| `(GET|POST|PUT|PATCH|DELETE) (\/[^\s`?]*)/.exec(line))
    .filter((m) => m !== null)
    .map((m) => `${m[1]} ${m[2]}`);
}

/**
 * The public endpoints docs/architecture.md adds to API.md (its tables "Where the implementation
 * adds to API.md" and "Catalog administration"), those the gateway routes to a service. Path
 * parameters are written `{}`: the prose names them loosely (`{id}`).
 */
export function documentedAdditions(): string[] {
  const markdown = fs.readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');
  const rows = [
    section(markdown, 'Where the implementation adds to API.md'),
    section(markdown, 'Catalog administration'),
  ].flatMap(endpointsOf);
  return [...new Set(rows.filter((e) => serviceFor(e.split(' ')[1]!)).map(anyParameterName))];
}

/** `GET /payments/{paymentId}` → `GET /payments/{}`: endpoints compared whatever their names. */
export const anyParameterName = (endpoint: string) => endpoint.replace(/\{[^}]*\}/g, '{}');
