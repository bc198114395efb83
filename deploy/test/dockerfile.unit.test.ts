import fs from 'node:fs';
import path from 'node:path';
import { SERVICE_NAMES } from '@ticketing/contracts';

const ROOT = path.resolve(__dirname, '../..');
const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const pkg = (dir: string) =>
  JSON.parse(fs.readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
    engines?: { node?: string };
  };
const rootPackage = pkg('.');

/** The workspaces a program needs at run time: its own and every @ticketing library below it. */
function runtimeWorkspaces(dir: string, seen = new Set<string>()): Set<string> {
  seen.add(dir);
  for (const dep of Object.keys(pkg(dir).dependencies ?? {}))
    if (dep.startsWith('@ticketing/')) {
      const lib = `libs/${dep.slice('@ticketing/'.length)}`;
      if (fs.existsSync(path.join(ROOT, lib)) && !seen.has(lib)) runtimeWorkspaces(lib, seen);
    }
  return seen;
}

describe('the image', () => {
  it('when built, then it runs the very Node that npm start and npm test run (the node dev dependency)', () => {
    const image = /ARG NODE_IMAGE=node:(\d+\.\d+\.\d+)-/.exec(dockerfile);
    expect(image).not.toBeNull();
    expect(image![1]).toBe(rootPackage.devDependencies?.node);
    expect(Number(image![1]!.split('.')[0])).toBe(24);
  });

  it.each([...SERVICE_NAMES.map((s) => `services/${s}`), 'gateway'])(
    'when %s runs from it, then every library it needs is built, installed and copied',
    (program) => {
      for (const dir of runtimeWorkspaces(program)) {
        expect({ dir, installed: dockerfile.includes(`--workspace ${dir}`) }).toEqual({
          dir,
          installed: true,
        });
        expect({ dir, copied: dockerfile.includes(`COPY --from=build /app/${dir}/dist`) }).toEqual({
          dir,
          copied: true,
        });
      }
    },
  );

  it('when the gateway runs from it, then the fan app is built and where the gateway looks for it', () => {
    expect(dockerfile).toContain('npm run -s build --workspace apps/fan');
    expect(dockerfile).toContain('COPY --from=build /app/apps/fan/dist apps/fan/dist');
    // gateway/dist/src/fan-app.js looks in ../../../apps/fan/dist: /app/apps/fan/dist.
    expect(path.posix.resolve('/app/gateway/dist/src', '../../../apps/fan/dist')).toBe(
      '/app/apps/fan/dist',
    );
  });

  it('when the image and npm start are built, then the Lua scripts are copied beside the compiled code', () => {
    // tsc copies nothing it does not compile; the code reads its scripts from beside itself.
    expect(dockerfile).toMatch(/npx tsc -b [^\n]*\\\n\s*&& node tools\/infra\/copy-lua\.mjs/);
    const scripts = (rootPackage as { scripts?: Record<string, string> }).scripts ?? {};
    expect(scripts.build).toMatch(/^tsc -b && node tools\/infra\/copy-lua\.mjs/);
  });

  it("when built, then Confluent's Kafka client is compiled in the build stage from Debian's packages and only copied into the runtime", () => {
    // The list the install's compile checks for (tools/infra/kafka-javascript.mjs).
    const compileScript = fs.readFileSync(
      path.join(ROOT, 'tools/infra/kafka-javascript.mjs'),
      'utf8',
    );
    const listed = /DEBIAN_BUILD_PACKAGES = \[([^\]]*)\]/.exec(compileScript);
    expect(listed).not.toBeNull();
    const packages = [...listed![1]!.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
    expect(packages).toContain('build-essential');
    const [build, runtime] = dockerfile.split(/^FROM .* AS runtime$/m);
    const buildInstall = /apt-get install -y --no-install-recommends \\\n\s*([^\n&]*)/.exec(build!);
    const installed = buildInstall![1]!.split(/\s+/).filter((w) => /^[a-z]/.test(w));
    expect(installed.sort()).toEqual([...packages].sort());
    expect(runtime).toContain('KAFKA_JAVASCRIPT_NO_COMPILE=1');
    expect(runtime).toContain('COPY --from=build /root/.cache/ticketing/kafka-javascript');
    expect(runtime).toMatch(/COPY --from=build [^\n]*tools\/infra\/kafka-javascript\.mjs/);
    expect(runtime).not.toContain('build-essential');
  });

  it('when installed locally, then engines asks for Node 24 and the tests run on it', () => {
    expect(rootPackage.engines?.node).toBe('>=24.11.0 <25');
    expect(process.versions.node.split('.')[0]).toBe('24');
  });
});
