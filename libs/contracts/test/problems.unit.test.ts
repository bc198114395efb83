import fs from 'node:fs';
import path from 'node:path';
import { API_PROBLEM_CODES, PROBLEMS, isProblemCode } from '@ticketing/contracts';

/** The error catalogue (libs/contracts/src/problems.ts) and API.md's errors table say the same. */
const apiMd = fs.readFileSync(path.resolve(__dirname, '../../../docs/API.md'), 'utf8');

function apiErrorsTable(): Record<string, number> {
  const section = apiMd.slice(apiMd.indexOf('## Errors'));
  const rows = section
    .slice(0, section.indexOf('\n\n', section.indexOf('| status |')))
    .split('\n')
    .filter((l) => /^\| \d{3} \|/.test(l));
  return Object.fromEntries(
    rows.flatMap((row) => {
      const [, status, codes] = row.split('|').map((c) => c.trim());
      return [...codes!.matchAll(/`([A-Z_]+)`/g)].map((m) => [m[1]!, Number(status)]);
    }),
  );
}

describe('the error catalogue', () => {
  it("when API.md's errors table is read, then the catalogue has each of its codes with the same status, and no other in that block", () => {
    const table = apiErrorsTable();
    expect(Object.keys(table).length).toBeGreaterThanOrEqual(13);
    expect(Object.fromEntries(API_PROBLEM_CODES.map((c) => [c, PROBLEMS[c]]))).toEqual(table);
  });

  it('when a code is looked up, then only catalogued codes are codes', () => {
    expect(isProblemCode('SEAT_UNAVAILABLE')).toBe(true);
    expect(isProblemCode('SEAT_TAKEN')).toBe(false);
    expect(isProblemCode('toString')).toBe(false);
  });

  it('when a status is read, then it is an HTTP error status', () => {
    for (const [code, status] of Object.entries(PROBLEMS))
      expect({ code, ok: status >= 400 && status < 600 }).toEqual({ code, ok: true });
  });
});
