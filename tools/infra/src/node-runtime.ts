import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './settings';

/** The Node major the project runs on: the root package.json's `engines`, one place for it. */
export function projectNodeMajor(packageJson = path.join(ROOT, 'package.json')): number {
  const range = (
    JSON.parse(fs.readFileSync(packageJson, 'utf8')) as { engines?: { node?: string } }
  ).engines?.node;
  const major = range && /\d+/.exec(range)?.[0];
  if (!major) throw new Error(`${packageJson} names no Node version in "engines"`);
  return Number(major);
}

/**
 * Why a program that starts the services with its own runtime (`process.execPath`: the runner,
 * the benchmark) must not run on this Node, or undefined. On another major what it starts or
 * measures is not what ships (a benchmark run on the machine's Node 20 by mistake measured
 * Node 20's services); npm's scripts put the project's own Node first on the PATH.
 */
export function foreignNodeProblem(
  tool: string,
  version = process.version,
  wanted = projectNodeMajor(),
): string | undefined {
  const major = Number(/^v?(\d+)/.exec(version)?.[1]);
  if (major === wanted) return undefined;
  return (
    `${tool} needs Node ${wanted} (package.json "engines"), not ${version}: ` +
    `start it through npm (npm start, npm run bench), which runs the project's own Node`
  );
}
