// Runs after every `npm install` (the root package's postinstall), on the Node that npm scripts
// run: the project's own Node 24 (the `node` dev dependency, first on their PATH), whatever Node
// the machine has. A native add-on compiled with node-gyp at install time was compiled for
// whichever Node ran npm's install scripts; this compiles each again for the runtime that loads
// it, against the headers shipped in that runtime's package (node-gyp would otherwise download
// them). A marker keeps later installs from compiling again for the same ABI.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE as KAFKA_JAVASCRIPT, ensureKafkaJavascript } from './kafka-javascript.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const modules = path.join(root, 'node_modules');
const marker = path.join(modules, '.native-addons-abi');
const abi = `${process.versions.modules}-${process.arch}`;

/** Packages holding what node-gyp compiled at install time (`build/Release/*.node`). */
function packagesWithBindings() {
  const found = [];
  for (const entry of directories(modules)) {
    const names = entry.startsWith('@')
      ? directories(path.join(modules, entry)).map((name) => `${entry}/${name}`)
      : [entry];
    for (const name of names)
      if (name !== KAFKA_JAVASCRIPT && compiledHere(path.join(modules, name), 4)) found.push(name);
  }
  return found;
}

/** Real directories only: workspace packages are links, files sit beside packages. */
function directories(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'node_modules' && !d.name.startsWith('.'))
    .map((d) => d.name);
}

function compiledHere(dir, depth) {
  const release = path.join(dir, 'build', 'Release');
  if (fs.existsSync(release) && fs.readdirSync(release).some((f) => f.endsWith('.node')))
    return true;
  if (depth === 0) return false;
  return directories(dir).some((name) => compiledHere(path.join(dir, name), depth - 1));
}

/**
 * The runtime's own headers: `include/node/node.h` beside its `bin/node`, or in the binary package
 * the `node` package installed for this platform (present in the install that brought a new Node).
 */
function headersOf(execPath) {
  const prefix = path.dirname(path.dirname(fs.realpathSync(execPath)));
  const binaryPackage = path.join(
    prefix,
    'node_modules',
    `node-${process.platform}-${process.arch}`,
  );
  return [prefix, binaryPackage].find((dir) =>
    fs.existsSync(path.join(dir, 'include/node/node.h')),
  );
}

// Confluent's client is compiled by its own rules (./kafka-javascript.mjs), whatever the marker
// says: its binding is checked by loading it.
ensureKafkaJavascript(modules, headersOf(process.execPath));

const builtFor = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim() : '';
if (builtFor !== abi) {
  const names = packagesWithBindings();
  const nodedir = headersOf(process.execPath);
  if (names.length > 0 && nodedir) {
    console.log(`[native-addons] compiling ${names.join(', ')} for Node ${process.version}`);
    execFileSync('npm', ['rebuild', ...names, `--nodedir=${nodedir}`], {
      cwd: root,
      stdio: 'inherit',
    });
  }
  if (names.length === 0 || nodedir) fs.writeFileSync(marker, `${abi}\n`);
  else console.log(`[native-addons] no headers beside ${process.execPath}: left as installed`);
}
