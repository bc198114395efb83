import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import axe from 'axe-core';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_PATH, chromiumVersion } from '@ticketing/infra';
import { describeNeeding } from '@ticketing/testing';
import { FanApp, type FanAppSettings } from '../../gateway/src/fan-app';

const ROOT = path.resolve(__dirname, '../..');
const APP_DIR = path.join(ROOT, 'apps/fan/dist');
/** Where the run keeps its screenshots (git-ignored); docs/images holds a few committed ones. */
export const SHOTS_DIR = path.join(ROOT, '.artifacts/browser');

/**
 * The browser suite's prerequisites: Debian's Chromium (npm test's pretest installs it) and the
 * built fan app (npm run build). Missing in CI: a failure naming what is missing.
 */
export const describeInBrowser = describeNeeding(
  'chromium',
  chromiumVersion() !== undefined && fs.existsSync(path.join(APP_DIR, 'index.html')),
  `the browser tests need Chromium at ${CHROMIUM_PATH} (node tools/infra/dist/cli.js browser installs it) and the built fan app in apps/fan/dist (npm run build)`,
);

/** Headless Debian Chromium, quiet on a closed network, driven by playwright-core. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * The browser's globals as these tests use them, inside functions that page.evaluate runs there
 * (the tests compile without the DOM library; the cast is erased, `globalThis` is the window).
 */
export interface InBrowser {
  document: {
    activeElement: {
      id: string;
      textContent: string | null;
      getAttribute(name: string): string | null;
    } | null;
  };
  axe: typeof axe;
  fetch: typeof fetch;
}

/** An HTTP server of the test's own on loopback; `host` names its origin. */
async function serve(
  handler: http.RequestListener,
  host: string,
): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/**
 * The built fan app served from an origin of its own, as a CDN would (the gateway's own serving
 * code, content policy included), talking to the API at `settings.apiUrl` across origins.
 */
export async function serveFanApp(settings: () => FanAppSettings) {
  let app: FanApp | undefined;
  return serve((req, res) => {
    app ??= new FanApp(APP_DIR, settings()); // at the first request: the API's URL is known then
    const urlPath = (req.url ?? '/').split('?', 1)[0]!;
    app.send(res, urlPath).then(
      (sent) => sent || res.writeHead(404).end(),
      () => res.writeHead(500).end(),
    );
  }, 'localhost');
}

/** A page of another origin (one no operator listed). */
export function servePage(html: string) {
  return serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  }, 'localhost');
}

/**
 * Tab (only the keyboard) until the focused element's name matches: what a keyboard user does.
 * Fails when it is not reached within `max` presses.
 */
export async function tabTo(page: Page, name: RegExp, max = 80): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = (globalThis as unknown as InBrowser).document.activeElement;
      return (el?.getAttribute('aria-label') ?? el?.textContent ?? '').trim();
    });
    if (name.test(focused)) return;
    seen.push(focused);
  }
  throw new Error(`${name} not reached by Tab; focus went through: ${seen.join(' | ')}`);
}

let shot = 0;
/** A screenshot of the step, numbered in the order the run took them. */
export async function screenshot(page: Page, step: string): Promise<void> {
  fs.mkdirSync(SHOTS_DIR, { recursive: true });
  const name = `${String(++shot).padStart(2, '0')}-${step}.png`;
  await page.screenshot({ path: path.join(SHOTS_DIR, name), fullPage: true });
}

/** axe-core on the page as it is: the serious and critical violations (none expected). */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated by the browser's debugger protocol: the page's content policy does not apply.
  await page.evaluate(axe.source);
  const found = await page.evaluate(async () => {
    const { axe: engine } = globalThis as unknown as InBrowser;
    const result = await engine.run({ exclude: [] }, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
  return found
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}, ${v.nodes} element(s))`);
}
