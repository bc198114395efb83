// @slow 50: seconds it takes in a full run; jest starts it early (tools/testing/slow-first-sequencer.js).
// One file on purpose (349 lines): its four stories share one system of processes and one
// Chromium, which take most of its time to start; a second file would start them again.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { eventually, identityToken, testInfra, uuid } from '@ticketing/testing';
import { Cluster } from '../cluster';
import {
  type InBrowser,
  describeInBrowser,
  launchChromium,
  screenshot,
  seriousViolations,
  serveFanApp,
  servePage,
  tabTo,
} from './browser';

/**
 * The fans' side in a real browser (Debian's Chromium, playwright-core): the reference fan app,
 * served from an origin of its own the way a CDN would, against the whole system as processes
 * (the gateway listing that origin), logging in at the test OpenID provider with PKCE.
 */
describeInBrowser('the fan app in Chromium, against the whole system', () => {
  let cluster: Cluster;
  let app: Awaited<ReturnType<typeof serveFanApp>>;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // The app's origin must be known to the gateway: its server starts first, on its own port.
    app = await serveFanApp(() => ({
      apiUrl: cluster.url,
      issuer: testInfra().oidcIssuer,
      clientId: 'fan-app',
      authorizationParams: {},
    }));
    [cluster, browser] = await Promise.all([
      Cluster.start({
        instances: 1,
        env: {
          GATEWAY_CORS_ORIGINS: app.origin,
          // Slow enough that a fan behind others sees the line move, fast enough for the rest.
          QUEUE_ADMIT_PER_SECOND: '2',
          QUEUE_SSE_INTERVAL_MS: '200',
        },
      }),
      launchChromium(),
    ]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close()));
    await browser?.close();
    await app?.close();
    await cluster?.stop();
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
    contexts.push(context);
    return context.newPage();
  }

  const heading = (page: Page) => page.locator('h1');
  const alertOf = (page: Page) => page.locator('#alert');

  /** The app, then the provider's login form, then back: by keyboard alone. */
  async function logIn(page: Page, userId: string, shots = false): Promise<void> {
    await page.goto(app.origin);
    await expectHeading(page, 'Welcome');
    if (shots) await screenshot(page, 'welcome');
    await tabTo(page, /^Log in$/);
    await page.keyboard.press('Enter');
    await page.waitForSelector('input[name="login"]:focus');
    await page.keyboard.type(userId);
    await page.keyboard.press('Tab');
    await page.keyboard.type('any password');
    if (shots) await screenshot(page, 'provider-login');
    await page.keyboard.press('Enter');
    await expectHeading(page, 'Concerts');
  }

  const expectHeading = (page: Page, text: string | RegExp) =>
    eventually(async () => expect(await heading(page).textContent()).toMatch(text), {
      timeoutMs: 30_000,
    });

  async function joinAndReachSeats(page: Page, title: string): Promise<void> {
    await tabTo(page, new RegExp(`^Join the queue for ${title}$`));
    await page.keyboard.press('Enter');
    await expectHeading(page, /^Pick a date/);
    await tabTo(page, /₩/);
    await page.keyboard.press('Enter');
    await expectHeading(page, /^Pick a seat/);
    await tabTo(page, /^Seat 1,/);
  }

  /** From the focused seat 1, arrow keys to seat `n`. */
  async function arrowToSeat(page: Page, n: number): Promise<void> {
    for (let i = 1; i < n; i++) await page.keyboard.press('ArrowRight');
    await eventually(async () =>
      expect(
        await page.evaluate(() =>
          (globalThis as unknown as InBrowser).document.activeElement?.getAttribute('aria-label'),
        ),
      ).toMatch(new RegExp(`^Seat ${n}, available`)),
    );
  }

  it('when a fan buys a ticket by keyboard alone (log in, queue, date, seat, hold, refused payment, top-up, payment, my tickets), then the seat is theirs, with no serious accessibility violation on the way', async () => {
    const { concertId, scheduleId, price } = await cluster.bookableSchedule(70_000);
    const title = await concertTitle(concertId);
    const userId = `fan-${uuid()}`;
    const page = await newPage();
    const violations: Record<string, string[]> = {};
    const audit = async (step: string) => {
      await screenshot(page, step);
      violations[step] = await seriousViolations(page);
    };

    await logIn(page, userId, true);
    await audit('concerts');
    await joinAndReachSeats(page, title);
    await audit('seat-map');
    await arrowToSeat(page, 7);
    await page.keyboard.press('Enter');
    await expectHeading(page, 'Seat 7 is held for you');
    await eventually(async () =>
      expect(await page.locator('#countdown').textContent()).toMatch(/^[45]:\d\d$/),
    );
    await audit('hold-with-countdown');

    // Paying with an empty wallet: the saga refuses, the seat stays held, the fan is told.
    await tabTo(page, /^Pay ₩70,000$/);
    await page.keyboard.press('Enter');
    await eventually(
      async () =>
        expect(await alertOf(page).textContent()).toMatch(/^Payment refused: your wallet holds ₩0/),
      { timeoutMs: 30_000 },
    );
    await screenshot(page, 'payment-refused');
    // The focus went to the top-up amount: type it and press Enter.
    expect(
      await page.evaluate(() => (globalThis as unknown as InBrowser).document.activeElement?.id),
    ).toBe('amount');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('100000');
    await page.keyboard.press('Enter');
    await eventually(async () =>
      expect(await page.locator('#balance').textContent()).toBe('₩100,000'),
    );
    await screenshot(page, 'topped-up');
    await tabTo(page, /^Pay ₩70,000$/);
    await page.keyboard.press('Enter');
    await expectHeading(page, 'You have a ticket!');
    await audit('paid');
    await tabTo(page, /^See my tickets$/);
    await page.keyboard.press('Enter');
    await expectHeading(page, 'My tickets');
    await eventually(async () =>
      expect(await page.locator('main').textContent()).toContain('Seat 7 · ₩70,000'),
    );
    await audit('my-tickets');

    expect(violations).toEqual(Object.fromEntries(Object.keys(violations).map((k) => [k, []])));
    // What the system holds: the seat confirmed as the fan's, the price taken from the wallet.
    const identity = await identityToken(userId);
    const mine = await cluster.call(
      'GET',
      'reservation',
      '/reservations?status=CONFIRMED',
      identity,
    );
    expect(mine.body.items).toEqual([
      expect.objectContaining({ scheduleId, seatNo: 7, price, status: 'CONFIRMED' }),
    ]);
    const wallet = await cluster.call('GET', 'wallet', `/wallets/${userId}`, identity);
    expect(wallet.body).toMatchObject({ balance: 100_000 - price });
  });

  it('when two fans in two browsers race for one seat, then one holds it and the other is told and holds another', async () => {
    const { concertId, scheduleId } = await cluster.bookableSchedule(50_000);
    const title = await concertTitle(concertId);
    const fans = [`racer-a-${uuid()}`, `racer-b-${uuid()}`];
    const pages = await Promise.all(fans.map(() => newPage()));
    await Promise.all(pages.map((p, i) => logIn(p, fans[i]!)));
    await Promise.all(pages.map((p) => joinAndReachSeats(p, title)));
    await Promise.all(pages.map((p) => arrowToSeat(p, 12)));
    await Promise.all(pages.map((p) => p.keyboard.press('Enter'))); // at once

    const outcome = async (p: Page) =>
      eventually(
        async () => {
          const h1 = await heading(p).textContent();
          const alert = await alertOf(p).textContent();
          if (h1 === 'Seat 12 is held for you') return 'won';
          expect(alert).toBe('Seat 12 was just taken by someone faster. Please pick another seat.');
          return 'lost';
        },
        { timeoutMs: 30_000 },
      );
    const results = await Promise.all(pages.map(outcome));
    expect([...results].sort()).toEqual(['lost', 'won']);
    const loser = pages[results.indexOf('lost')]!;
    await screenshot(loser, 'race-lost');
    // The loser's map shows seat 12 taken, the focus still on it: one arrow, and another seat.
    await eventually(async () =>
      expect(await loser.locator('[data-seat="12"]').getAttribute('aria-label')).toBe(
        'Seat 12, taken',
      ),
    );
    await loser.keyboard.press('ArrowRight');
    await loser.keyboard.press('Enter');
    await expectHeading(loser, 'Seat 13 is held for you');

    // Invariant: one hold per fan, seat 12 held by exactly one of them.
    const held = await Promise.all(
      fans.map(async (f) => {
        const r = await cluster.call(
          'GET',
          'reservation',
          '/reservations?status=HELD',
          await identityToken(f),
        );
        return (r.body.items as { scheduleId: number; seatNo: number }[]).map((x) => [
          x.scheduleId,
          x.seatNo,
        ]);
      }),
    );
    expect(held.flat().sort()).toEqual([
      [scheduleId, 12],
      [scheduleId, 13],
    ]);
    expect(held.map((h) => h.length)).toEqual([1, 1]);
  });

  it('when a fan waits behind others, then the position moves on screen as the queue pushes it (no polling), is announced, and survives the stream dropping', async () => {
    const { concertId } = await cluster.bookableSchedule(60_000);
    const title = await concertTitle(concertId);
    const page = await newPage();
    const polls: string[] = [];
    const streams: string[] = [];
    page.on('request', (req) => {
      const url = new URL(req.url());
      if (url.pathname === '/queue/tokens/me' && req.method() === 'GET') polls.push(req.url());
      if (url.pathname === '/queue/tokens/me/events') streams.push(req.url());
    });
    await logIn(page, `waiter-${uuid()}`);
    await tabTo(page, new RegExp(`^Join the queue for ${title}$`));
    // Twenty fans join just ahead of the browser's fan (admitted two per second: ten seconds).
    const ahead = await Promise.all(Array.from({ length: 20 }, () => identityToken(uuid())));
    await Promise.all(
      ahead.map((identity) =>
        cluster.call('POST', 'queue', '/queue/tokens', identity, { concertId }),
      ),
    );
    await page.keyboard.press('Enter');
    await expectHeading(page, `In the queue for ${title}`);

    const shown: number[] = [];
    const watch = setInterval(() => {
      void page
        .locator('#position')
        .textContent()
        .then(
          (t) => t && /^\d+$/.test(t) && shown.at(-1) !== Number(t) && shown.push(Number(t)),
          () => {},
        );
    }, 100);
    try {
      await eventually(async () => expect(shown.length).toBeGreaterThanOrEqual(3), {
        timeoutMs: 20_000,
      });
      await screenshot(page, 'waiting');
      const announced = await page.locator('#status').textContent();
      expect(announced).toMatch(/^Position \d+, estimated wait/);
      expect(await page.locator('#status').getAttribute('aria-live')).toBe('polite');

      // The gateway goes down and comes back: the app says so, and the stream resumes.
      await cluster.kill(cluster.gateway);
      await eventually(async () =>
        expect(await page.locator('#connection').textContent()).toBe(
          'Connection lost. Reconnecting…',
        ),
      );
      await screenshot(page, 'reconnecting');
      const lastBefore = shown.at(-1)!;
      await cluster.restart(cluster.gateway);
      await eventually(
        async () => {
          const admitted = (await heading(page).textContent())?.startsWith('Pick a date');
          expect({ admitted, movedOn: shown.at(-1)! < lastBefore }).toEqual(
            expect.objectContaining(admitted ? { admitted: true } : { movedOn: true }),
          );
        },
        { timeoutMs: 30_000 },
      );
      await expectHeading(page, /^Pick a date/); // admitted, heard on the stream
    } finally {
      clearInterval(watch);
    }
    // Every figure shown was lower than the one before: the line moved, nothing went back.
    expect(shown).toEqual([...shown].sort((a, b) => b - a));
    expect(shown.length).toBeGreaterThanOrEqual(3);
    expect(polls).toEqual([]); // pushed, never polled
    expect(streams.length).toBeGreaterThanOrEqual(2); // the first stream, and after the drop
    // The stream's URL carries a ticket, never the pass.
    for (const s of streams) expect(new URL(s).searchParams.get('ticket')).toMatch(/^ey/);
  });

  it('when a page of an origin the operator did not list calls the API, then it can read no answer and its credentialed requests are never sent', async () => {
    const other = await servePage('<!doctype html><title>Elsewhere</title><h1>Elsewhere</h1>');
    try {
      const page = await newPage();
      const probe = (from: string) =>
        page
          .evaluate(async (api) => {
            const attempt = async (init?: RequestInit) => {
              try {
                const res = await (globalThis as unknown as InBrowser).fetch(
                  `${api}/concerts`,
                  init,
                );
                return `read ${res.status}`;
              } catch {
                return 'blocked';
              }
            };
            return [await attempt(), await attempt({ headers: { authorization: 'Bearer x' } })];
          }, cluster.url)
          .then((r) => ({ from, r }));
      await page.goto(other.origin);
      const before = cluster.gateway.tail.length;
      expect(await probe('unlisted')).toEqual({ from: 'unlisted', r: ['blocked', 'blocked'] });
      await screenshot(page, 'unlisted-origin');
      // The same calls from the listed origin read their answers: the refusal is the origin's.
      await page.goto(app.origin);
      expect(await probe('listed')).toEqual({ from: 'listed', r: ['read 200', 'read 200'] });
      expect(cluster.gateway.tail.length).toBeGreaterThanOrEqual(before);
    } finally {
      await other.close();
    }
  });

  async function concertTitle(concertId: number): Promise<string> {
    const { body } = await cluster.call('GET', 'concert', '/concerts');
    return (body.items as { concertId: number; title: string }[]).find(
      (c) => c.concertId === concertId,
    )!.title;
  }
});
