import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const ADR_DIR = path.join(ROOT, 'docs/adr');

function markdownUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return markdownUnder(full);
    return entry.name.endsWith('.md') ? [full] : [];
  });
}

/** The documents a reader follows links through: the README and everything under docs/. */
const DOCUMENTS = [path.join(ROOT, 'README.md'), ...markdownUnder(path.join(ROOT, 'docs'))];

/** Markdown without its code: a link written inside code is an example, not a link. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** The targets of the inline links and images of a document. */
function linkTargets(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const headings = prose(fs.readFileSync(file, 'utf8')).match(/^#{1,6} .+$/gm) ?? [];
  return new Set(headings.map((h) => anchorOf(h.replace(/^#+ /, ''))));
}

/** What is wrong with one link of `document`, or nothing. */
function brokenLink(document: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return 'links outside the repository';
  const [file, anchor] = target.split('#') as [string, string | undefined];
  const resolved = file === '' ? document : path.resolve(path.dirname(document), file);
  if (path.relative(ROOT, resolved).startsWith('..')) return 'leaves the repository';
  if (!fs.existsSync(resolved)) return 'names no file';
  if (anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor))
    return `names no heading of ${path.relative(ROOT, resolved)}`;
  return undefined;
}

describe('documentation links', () => {
  it('when a document links something, then it is a file or heading of the repository', () => {
    const broken = DOCUMENTS.flatMap((document) =>
      linkTargets(fs.readFileSync(document, 'utf8')).flatMap((target) => {
        const why = brokenLink(document, target);
        return why === undefined ? [] : [`${path.relative(ROOT, document)}: ${target} ${why}`];
      }),
    );
    expect(broken).toEqual([]);
  });
});

const ADRS = fs
  .readdirSync(ADR_DIR)
  .filter((name) => name.endsWith('.md'))
  .sort();
const SECTIONS = ['Status', 'Context', 'Decision', 'Consequences'];
const LINK = /\[(\d{4})\]\((\d{4})-[a-z0-9-]+\.md\)/g;

/** The Status section's text as one line. */
function statusOf(text: string): string {
  const heading = '\n## Status\n';
  const start = text.indexOf(heading);
  if (start < 0) return '';
  const section = text.slice(start + heading.length).split('\n## ')[0]!;
  return section.trim().replace(/\s*\n\s*/g, ' ');
}

describe('architecture decision records', () => {
  it.each(ADRS)(
    'when %s is read, then it is one page: title, Status, Context, Decision, Consequences',
    (name) => {
      const text = fs.readFileSync(path.join(ADR_DIR, name), 'utf8');
      const lines = text.trimEnd().split('\n');
      expect(name).toMatch(/^\d{4}-[a-z0-9-]+\.md$/);
      expect(lines[0]).toMatch(new RegExp(`^# ${name.slice(0, 4)}\\. \\S`));
      expect(text.match(/^## .+$/gm)?.map((h) => h.slice(3))).toEqual(SECTIONS);
      expect(lines.length).toBeLessThanOrEqual(60);
      expect(lines.filter((line) => line.length > 100)).toEqual([]);
    },
  );

  it.each(ADRS)('when %s has a status, then it is accepted or names what superseded it', (name) => {
    const status = statusOf(fs.readFileSync(path.join(ADR_DIR, name), 'utf8'));
    expect(status).toMatch(
      /^(Accepted\.|Accepted; superseded in part by \[\d{4}\]\(.+\)\.|Superseded by \[\d{4}\]\([^)]+\)\.)$/,
    );
    for (const [, number, fileNumber] of status.matchAll(LINK)) expect(fileNumber).toBe(number);
  });

  it('when an ADR is superseded, then the ADR that supersedes it says so', () => {
    const unacknowledged = ADRS.flatMap((name) => {
      const status = statusOf(fs.readFileSync(path.join(ADR_DIR, name), 'utf8'));
      return [...status.matchAll(LINK)].flatMap(([link]) => {
        const later = ADRS.find((other) => link.includes(`(${other})`));
        if (later === undefined) return [`${name}: ${link} names no ADR`];
        const text = fs.readFileSync(path.join(ADR_DIR, later), 'utf8');
        const says = text.includes(`ADR ${name.slice(0, 4)}`) || text.includes(`(${name})`);
        return says ? [] : [`${later} does not say it supersedes ${name}`];
      });
    });
    expect(unacknowledged).toEqual([]);
  });
});
