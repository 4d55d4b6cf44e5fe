// Swagger UI at /docs, in a real headless Chromium: the greeter's operations are listed, and one
// runs from the page with "Try it out".
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from '@wharf/core';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveGreeterOverHttp } from './serve-http.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) {
  const hint = `${CHROMIUM} is missing: install it with tools/services up chromium (.ci/run does)`;
  if (process.env.CI) throw new Error(hint);
  console.warn(`Skipping the Swagger UI test. ${hint}`);
}

let app: App;
let url: string;
let profile: string;
let browser: BrowserContext;
beforeAll(async () => {
  if (!available) return;
  ({ app, url } = await serveGreeterOverHttp());
  profile = mkdtempSync(join(tmpdir(), 'wharf-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});
afterAll(async () => {
  if (!available) return;
  await browser?.close();
  await app?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe.skipIf(!available)('Swagger UI at /docs', () => {
  it('lists the greeter’s operations and runs one with "Try it out"', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });

    await page.goto(`${url}/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 15_000 });
    const operations = await page.locator('.opblock-summary-path').allInnerTexts();
    const paths = operations.map((text) => text.replace(/\u200b/g, '').trim());
    expect(paths).toEqual(expect.arrayContaining(['/v1/greetings', '/v1/languages/{code}', '/v1/countdown/{from}', '/v1/stats']));
    expect(await page.locator('.opblock-tag').allInnerTexts()).toEqual([expect.stringContaining('greeter')]);

    const operation = page.locator('#operations-greeter-greeter_language');
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    await operation.locator('input[placeholder="code"]').fill('fr');
    const answered = page.waitForResponse((response) => response.url().endsWith('/v1/languages/fr'));
    await operation.getByRole('button', { name: 'Execute' }).click();
    const response = await answered;
    expect(response.status()).toBe(200);
    const row = operation.locator('.live-responses-table tr.response').first();
    await row.waitFor();
    expect((await row.locator('.response-col_status').textContent())?.trim()).toBe('200');
    expect(await row.locator('.response-col_description').textContent()).toContain('Bonjour');
    expect(problems).toEqual([]);
    await page.close();
  });
});
