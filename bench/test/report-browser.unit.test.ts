import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_PATH, chromiumVersion } from '@ticketing/infra';
import { describeNeeding } from '@ticketing/testing';
import { launchChromium, seriousViolations, SHOTS_DIR } from '../../test/browser/browser';
import { renderReport } from '../src/rehearsal/report-html';
import { sampleReport } from '../src/rehearsal/sample-report';

const ROOT = path.resolve(__dirname, '../..');
/**
 * The committed picture of a report in the docs. Rewritten only on request
 * (`REPORT_SCREENSHOT_WRITE=1`): another machine's fonts would change its bytes on every run.
 */
const DOCS_SHOT = path.join(ROOT, 'docs/images/rehearsal-report.png');

const describeInChromium = describeNeeding(
  'chromium',
  chromiumVersion() !== undefined,
  `the report's page is checked in Chromium at ${CHROMIUM_PATH} (node tools/infra/dist/cli.js browser installs it)`,
);

/** The browser's globals this test reads, inside functions page.evaluate runs there. */
interface InPage {
  document: {
    documentElement: { scrollWidth: number };
    querySelectorAll(selector: string): ArrayLike<{ getBoundingClientRect(): { width: number } }>;
  };
}

describeInChromium("a rehearsal's report in Chromium", () => {
  const report = sampleReport();
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('request', (request) => requests.push(request.url()));
    await page.setContent(renderReport(report), { waitUntil: 'load' });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('when the page opens, then it fetches nothing and draws every chart two abreast within the window', async () => {
    expect(requests).toEqual([]);
    const { charts, widest, pageWidth } = await page.evaluate(() => {
      const { document } = globalThis as unknown as InPage;
      const svgs = Array.from(document.querySelectorAll('figure.chart svg[role="img"]'));
      return {
        charts: svgs.map((svg) => svg.getBoundingClientRect().width),
        widest: Math.max(...svgs.map((svg) => svg.getBoundingClientRect().width)),
        pageWidth: document.documentElement.scrollWidth,
      };
    });
    expect(charts).toHaveLength(report.timeline.groups.length);
    expect(Math.min(...charts)).toBeGreaterThan(500);
    expect(widest).toBeLessThan(600);
    expect(pageWidth).toBeLessThanOrEqual(1200);
  });

  it('when axe-core checks the page, then it finds no serious violation', async () => {
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('when the pointer is over a chart, then the values of the second under it show', async () => {
    const chart = page.locator('#chart-1 svg[role="img"]');
    await chart.scrollIntoViewIfNeeded();
    const box = (await chart.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2);
    const tip = page.locator('#chart-1 .tip');
    await expect(tip.isVisible()).resolves.toBe(true);
    const text = await tip.innerText();
    for (const name of Object.keys(report.timeline.groups[0]!.series)) expect(text).toContain(name);
    expect(text).toMatch(/^\d+:\d\d/);
    await page.mouse.move(0, 0);
    await expect(tip.isVisible()).resolves.toBe(false);
  });

  it('when the page is photographed, then the whole of it is in the picture', async () => {
    await page.evaluate(() =>
      (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0),
    );
    fs.mkdirSync(SHOTS_DIR, { recursive: true });
    const shot = await page.screenshot({
      path: path.join(SHOTS_DIR, 'rehearsal-report.png'),
      fullPage: true,
    });
    // PNG's header holds the size: 1,200 wide, and tall enough for every chart.
    expect(shot.readUInt32BE(16)).toBe(1200);
    expect(shot.readUInt32BE(20)).toBeGreaterThan(3000);
    if (process.env.REPORT_SCREENSHOT_WRITE === '1') fs.writeFileSync(DOCS_SHOT, shot);
  });
});
