// Must show 1: in a real headless Chromium, a shopper signs in through the provider (authorization
// code + PKCE, the provider's own sign-in and consent pages), adds two products, places the order
// and watches it become CONFIRMED live (a server stream through the gateway); the test saves a
// screenshot. On SQLite and on PostgreSQL.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmbeddedShop, startEmbeddedShop } from '@wharf/example-shop';
import { requireService, serviceUrl } from '@wharf/real-parts';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databasePrefix, dropDatabases } from './support.js';

const CHROMIUM = '/usr/bin/chromium';
const browserAvailable = existsSync(CHROMIUM);
if (!browserAvailable) {
  const hint = `${CHROMIUM} is missing: install it with tools/services up chromium (.ci/run does)`;
  if (process.env.CI) throw new Error(hint);
  console.warn(`Skipping the storefront browser test. ${hint}`);
}
const postgres = await requireService('postgres', 'the shop on PostgreSQL');
const ARTIFACTS = new URL('./artifacts/', import.meta.url).pathname;

describe.each([
  { engine: 'sqlite', available: browserAvailable },
  { engine: 'postgres', available: browserAvailable && postgres },
])('the storefront on $engine, in Chromium', ({ engine, available }) => {
  let shop: EmbeddedShop;
  let dataDir: string;
  let profile: string;
  let browser: BrowserContext;
  const prefix = databasePrefix('browser');

  beforeAll(async () => {
    if (!available) return;
    dataDir = mkdtempSync(join(tmpdir(), 'wharf-shop-browser-'));
    shop = await startEmbeddedShop({
      port: 0,
      providerPort: 0,
      dataDir,
      databaseUrl: engine === 'postgres' ? serviceUrl('postgres') : undefined,
      databasePrefix: prefix,
      // Slow enough to see each status on the page, and no declined cards.
      settings: {
        PAYMENTS_FAILURE_RATE: '0',
        PAYMENTS_LATENCY_MS: '300-400',
        NOTIFICATIONS_MAILBOX: join(dataDir, 'mailbox.jsonl'),
      },
    });
    profile = mkdtempSync(join(tmpdir(), 'wharf-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1200, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await shop?.stop();
    if (engine === 'postgres' && available) await dropDatabases(serviceUrl('postgres'), prefix);
    for (const dir of [dataDir, profile]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!available)('signs in, orders two products and sees the order CONFIRMED', { timeout: 90_000 }, async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    // The storefront's own errors (the provider's development pages load things from the internet).
    page.on('console', (message) => {
      if (message.type() === 'error' && message.location().url.startsWith(shop.url)) problems.push(message.text());
    });

    await page.goto(shop.url);
    await page.locator('body[data-ready="true"]').waitFor();
    await expect.poll(() => page.getByTestId('products').locator('li').count()).toBe(6);

    // Sign in: the provider's own pages (another origin), then back to the storefront with a code.
    await page.getByTestId('login').click();
    await page.locator('input[name="login"]').fill('demo');
    await page.locator('input[name="password"]').fill('demo');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click(); // consent
    await page.waitForURL(`${shop.url}/`);
    await expect.poll(() => page.getByTestId('user').textContent(), { timeout: 10_000 }).toBe('Signed in as demo');

    await page.getByTestId('add-mug').click();
    await page.getByTestId('add-tee').click();
    await page.getByTestId('add-tee').click();
    await expect.poll(() => page.getByTestId('cart').locator('li').count()).toBe(2);
    await page.getByTestId('place').click();

    // The live status: PLACED … CONFIRMED, pushed by the server stream.
    await page.locator('#status[data-status="CONFIRMED"]').waitFor({ timeout: 20_000 });
    const timeline = await page.locator('#timeline li').allTextContents();
    expect(timeline.map((line) => line.split(' ').pop())).toEqual(expect.arrayContaining(['PLACED', 'CONFIRMED']));
    expect(timeline.length).toBeGreaterThanOrEqual(3); // intermediate states were seen live
    await expect.poll(() => page.getByTestId('orders').locator('li').first().textContent()).toContain('CONFIRMED €60.00'); // 12 + 2 × 24
    // The confirmation message is written once the notifications service has consumed the event,
    // which may be after the watch ended: the page reads the mailbox again by itself.
    await expect.poll(() => page.locator('#messages').textContent(), { timeout: 15_000 }).toContain('Order confirmed');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, `storefront-${engine}.png`), fullPage: true });
    expect(problems).toEqual([]);
  });
});
