import fs from 'node:fs';
import path from 'node:path';
import { describeNeeding } from '@ticketing/testing';

const ROOT = path.resolve(__dirname, '..');
const design = path.resolve(ROOT, '../shared/design/API.md');
describeNeeding(
  'design-contract',
  fs.existsSync(design),
  `the design contract ${design} is missing: docs/API.md cannot be checked against it`,
)('API contract copy', () => {
  it('when the design folder is present, then docs/API.md is the same contract', () => {
    expect(fs.readFileSync(path.join(ROOT, 'docs/API.md'), 'utf8')).toBe(
      fs.readFileSync(design, 'utf8'),
    );
  });
});
