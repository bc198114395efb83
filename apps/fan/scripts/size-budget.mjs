// The fan app's size budget, checked by every build: what a fan's browser downloads (HTML,
// scripts, styles), compressed with gzip as the gateway's ingress sends it.
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 16 * 1024;
const dist = path.join(import.meta.dirname, '..', 'dist');
const files = fs
  .readdirSync(dist, { recursive: true, encoding: 'utf8' })
  .filter((f) => /\.(html|js|css)$/.test(f));
let total = 0;
for (const file of files) {
  const size = gzipSync(fs.readFileSync(path.join(dist, file)), { level: 9 }).length;
  total += size;
  console.log(`[fan-app] ${file.padEnd(36)} ${(size / 1024).toFixed(1)} kB gzip`);
}
console.log(
  `[fan-app] total ${(total / 1024).toFixed(1)} kB gzip (budget ${BUDGET_BYTES / 1024} kB)`,
);
if (total > BUDGET_BYTES) {
  console.error(`[fan-app] over its size budget by ${total - BUDGET_BYTES} bytes`);
  process.exit(1);
}
