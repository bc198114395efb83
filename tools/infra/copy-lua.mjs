// Copies every workspace's Lua scripts (`src/**/*.lua`) to where tsc puts that workspace's
// compiled code, keeping their paths: the code reads its scripts from beside itself (see
// libs/platform/src/redis-scripts.ts), and tsc copies nothing but what it compiles. Run by
// `npm run build` and the image's build step, after `tsc -b`. The built copies mirror the
// sources: a script no longer in `src` is removed from the build.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { workspaces } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** Folders a workspace pattern of package.json names ("libs/*", "gateway"). */
const foldersOf = (pattern) =>
  pattern.endsWith('/*')
    ? fs
        .readdirSync(path.join(ROOT, pattern.slice(0, -2)), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => path.join(pattern.slice(0, -2), d.name))
    : [pattern];

function* luaFiles(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* luaFiles(full);
    else if (entry.name.endsWith('.lua')) yield full;
  }
}

let copied = 0;
for (const workspace of workspaces.flatMap(foldersOf)) {
  const dir = path.join(ROOT, workspace);
  const tsconfig = path.join(dir, 'tsconfig.json');
  if (!fs.existsSync(path.join(dir, 'src')) || !fs.existsSync(tsconfig)) continue;
  const { compilerOptions = {} } = JSON.parse(fs.readFileSync(tsconfig, 'utf8'));
  const rootDir = path.join(dir, compilerOptions.rootDir ?? '.');
  const outDir = path.join(dir, compilerOptions.outDir ?? 'dist');
  const targets = new Set();
  for (const file of luaFiles(path.join(dir, 'src'))) {
    const target = path.join(outDir, path.relative(rootDir, file));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(file, target);
    targets.add(target);
    copied++;
  }
  // A script renamed or removed in the source goes from the build too: the code loads every
  // script of its folder, and a stale one would be loaded with the rest.
  const built = path.join(outDir, path.relative(rootDir, path.join(dir, 'src')));
  if (fs.existsSync(built))
    for (const file of luaFiles(built)) if (!targets.has(file)) fs.rmSync(file);
}
if (process.argv.includes('--verbose')) console.log(`${copied} Lua scripts copied`);
