// Confluent's Kafka client (`@confluentinc/kafka-javascript`, librdkafka underneath; ADR 0036)
// built from its npm tarball alone. Its own install script would download a prebuilt binary from
// outside the npm registry, or, failing that, compile librdkafka after downloading zlib, zstd,
// OpenSSL and curl; npm never runs it (`allowScripts`). This compiles it instead, once per client
// version and Node ABI, against Debian's libraries (`CKJS_LINKING=dynamic`) and the headers of
// the Node that runs it, and keeps the result in a cache outside the clone, so the next clone on
// the same machine copies it (seconds) instead of compiling it again (minutes).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

export const PACKAGE = '@confluentinc/kafka-javascript';
/** What the binding loads: the add-on and, beside it (its RUNPATH is `$ORIGIN/../deps`), librdkafka. */
const FILES = [
  'build/Release/confluent-kafka-javascript.node',
  'build/deps/librdkafka.so.1',
  'build/deps/librdkafka++.so.1',
];
/** Debian's packages the compile needs (python3 for node-gyp, the rest for librdkafka). */
export const DEBIAN_BUILD_PACKAGES = [
  'build-essential',
  'python3',
  'pkg-config',
  'libssl-dev',
  'zlib1g-dev',
  'libzstd-dev',
  'liblz4-dev',
];

const say = (line) => console.log(`[kafka-javascript] ${line}`);

/** `KAFKA_JAVASCRIPT_CACHE`, else the user's cache folder. */
function cacheRoot() {
  return (
    process.env.KAFKA_JAVASCRIPT_CACHE ||
    path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'ticketing')
  );
}

/** Whether the binding in `dir` loads in this Node (a child process: a bad one may crash it). */
function loads(dir) {
  const addon = path.join(dir, FILES[0]);
  if (!fs.existsSync(addon)) return false;
  const probe = spawnSync(
    process.execPath,
    ['-e', 'process.dlopen({ exports: {} }, process.argv[1])', addon],
    { stdio: 'ignore' },
  );
  return probe.status === 0;
}

function copyFiles(from, to) {
  for (const file of FILES) {
    fs.mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    fs.copyFileSync(path.join(from, file), path.join(to, file));
  }
}

/** The Debian packages the compile needs that are not installed (none off Debian: it will say). */
function missingDebianPackages() {
  if (!fs.existsSync('/usr/bin/dpkg-query')) return [];
  return DEBIAN_BUILD_PACKAGES.filter((name) => {
    const status = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
    return !/install ok installed/.test(status.stdout ?? '');
  });
}

function installDebianPackages(names) {
  if (os.userInfo().uid !== 0 || !fs.existsSync('/usr/bin/apt-get'))
    throw new Error(`compiling ${PACKAGE} needs: apt-get install ${names.join(' ')}`);
  say(`installing ${names.join(', ')} from Debian's packages`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...names], {
      env,
      stdio: 'inherit',
    });
  try {
    install();
  } catch {
    // A machine whose package lists were never fetched knows no package yet.
    execFileSync('apt-get', ['update'], { env, stdio: 'inherit' });
    install();
  }
}

/**
 * This Node's headers: the folder given (the runtime's own package, present in the install that
 * brought it), else a copy kept in the cache, else the runtime's package fetched again from the
 * npm registry for its `include/` (a later install removes the package the first one had).
 */
function nodeHeaders(nodedir) {
  if (nodedir) return nodedir;
  const kept = path.join(cacheRoot(), 'node-headers', process.version);
  if (fs.existsSync(path.join(kept, 'include/node/node.h'))) return kept;
  const runtime = `node-${process.platform}-${process.arch}@${process.versions.node}`;
  say(`fetching ${runtime} from the npm registry for its headers`);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'node-headers-'));
  try {
    const tarball = execFileSync('npm', ['pack', runtime, '--silent'], {
      cwd: scratch,
      encoding: 'utf8',
    }).trim();
    execFileSync('tar', ['xzf', tarball, 'package/include'], { cwd: scratch });
    fs.rmSync(kept, { recursive: true, force: true });
    fs.mkdirSync(kept, { recursive: true });
    fs.cpSync(path.join(scratch, 'package/include'), path.join(kept, 'include'), {
      recursive: true,
    });
    return kept;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** node-gyp: npm's, which npm names to its scripts, or found beside npm for a run by hand. */
function nodeGyp() {
  if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp;
  const globalModules = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
  return path.join(globalModules, 'npm/node_modules/node-gyp/bin/node-gyp.js');
}

function compile(dir, given) {
  const missing = missingDebianPackages();
  if (missing.length > 0) installDebianPackages(missing);
  const nodedir = nodeHeaders(given);
  say(`compiling librdkafka and the binding for Node ${process.version} (a few minutes, once)`);
  const started = Date.now();
  // The compile's thousand lines go to a file, shown in part only when it fails.
  const log = path.join(cacheRoot(), 'kafka-javascript', `compile-${process.version}.log`);
  fs.mkdirSync(path.dirname(log), { recursive: true });
  const out = fs.openSync(log, 'w');
  const result = spawnSync(
    process.execPath,
    [
      // The client's own node-pre-gyp, as its install script would run it.
      createRequire(path.join(dir, 'package.json')).resolve(
        '@mapbox/node-pre-gyp/bin/node-pre-gyp',
      ),
      'install',
      '--build-from-source',
      `--nodedir=${nodedir}`,
    ],
    {
      cwd: dir,
      // npm hands its scripts a `nodedir` of its own (the machine's Node's, when it has headers),
      // which would win over the argument: the binding would be built for the wrong Node.
      env: {
        ...process.env,
        CKJS_LINKING: 'dynamic',
        npm_config_nodedir: nodedir,
        npm_config_node_gyp: nodeGyp(),
      },
      stdio: ['ignore', out, out],
    },
  );
  fs.closeSync(out);
  if (result.status !== 0) {
    const tail = fs.readFileSync(log, 'utf8').split('\n').slice(-40).join('\n');
    throw new Error(`compiling ${PACKAGE} failed (all of it in ${log}):\n${tail}`);
  }
  say(`compiled in ${Math.round((Date.now() - started) / 1000)} s`);
  // What the compile leaves besides the three files (static archives, objects, librdkafka's
  // sources built in place): ~75 MB nothing loads.
  for (const leftover of [
    'build/Release/obj.target',
    'build/deps/librdkafka',
    'build/deps/include',
  ])
    fs.rmSync(path.join(dir, leftover), { recursive: true, force: true });
  for (const name of fs.readdirSync(path.join(dir, 'build/deps')))
    if (name.endsWith('.a')) fs.rmSync(path.join(dir, 'build/deps', name));
  const librdkafkaSources = path.join(dir, 'deps/librdkafka');
  spawnSync('make', ['-C', librdkafkaSources, 'clean'], { stdio: 'ignore' });
}

/**
 * Makes the client's binding load in this Node: as it is, from the cache, or compiled (and
 * then cached; not with `KAFKA_JAVASCRIPT_NO_COMPILE`). `modules`: the root's node_modules;
 * `nodedir`: this Node's headers.
 */
export function ensureKafkaJavascript(modules, nodedir) {
  const dir = path.join(modules, PACKAGE);
  if (!fs.existsSync(path.join(dir, 'package.json'))) return;
  if (loads(dir)) return;
  const { version } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const key = `${version}-node${process.versions.modules}-${process.platform}-${process.arch}`;
  const cached = path.join(cacheRoot(), 'kafka-javascript', key);
  if (loads(cached)) {
    copyFiles(cached, dir);
    if (loads(dir)) return say(`binding ${key} copied from ${cached}`);
  }
  // An image's runtime stage has no compiler: the build stage's binding, or a failure.
  if (process.env.KAFKA_JAVASCRIPT_NO_COMPILE)
    throw new Error(`${PACKAGE}: no binding for ${key} in ${path.dirname(cached)}`);
  compile(dir, nodedir);
  if (!loads(dir)) throw new Error(`${PACKAGE} compiled, but its binding does not load`);
  try {
    fs.rmSync(cached, { recursive: true, force: true });
    copyFiles(dir, cached);
    say(`binding kept in ${cached} for the next install`);
  } catch (err) {
    say(`binding not cached (${err.message}): the next clone compiles it again`);
  }
}
