import type { RehearsalReport } from './model';

/** Placeholder until the charts land: the summary as a page. */
export function renderReport(report: RehearsalReport): string {
  return `<!doctype html><meta charset="utf-8"><title>Rehearsal</title><pre>${JSON.stringify(report.summary, null, 2).replace(/</g, '&lt;')}</pre>`;
}
