import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '@ticketing/infra';
import type { RehearsalReport } from './model';
import { renderReport } from './report-html';

/** Where reports go unless `--out` says otherwise (not committed). */
export const REPORTS_DIR = path.join(ROOT, 'bench/results');

/** A run's files are named after a moment (an ISO time): `<dir>/rehearsal-<time>`, no extension. */
export const runFileBase = (isoTime: string, dir = REPORTS_DIR) =>
  path.join(dir, `rehearsal-${isoTime.replace(/[:.]/g, '-')}`);

/** Writes the report as HTML and JSON, named after its start; returns both paths. */
export function writeReport(
  report: RehearsalReport,
  dir = REPORTS_DIR,
): { html: string; json: string } {
  fs.mkdirSync(dir, { recursive: true });
  const base = runFileBase(report.meta.startedAt, dir);
  const json = `${base}.json`;
  const html = `${base}.html`;
  fs.writeFileSync(json, `${JSON.stringify(report, null, 1)}\n`);
  fs.writeFileSync(html, renderReport(report));
  return { html, json };
}

/** The newest rehearsal report in `dir` (what `--plan` reads by default). */
export function latestReport(dir = REPORTS_DIR): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const files = fs
    .readdirSync(dir)
    .filter((f) => /^rehearsal-.*\.json$/.test(f))
    .sort();
  return files.length > 0 ? path.join(dir, files.at(-1)!) : undefined;
}
