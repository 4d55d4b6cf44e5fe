// Must show 4 (docs): Swagger UI at the gateway signs a user in through the provider (authorization
// code + PKCE, in a real headless Chromium) and calls an endpoint with the token it got.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, memoryRegistry } from '@wharf/core';
import { createGateway, type Gateway } from '@wharf/gateway';
import type { IdentityProvider } from '@wharf/identity-provider';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from './fixtures/contracts.mjs';
import { backends, provider, quiet, SHOP } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) {
  const hint = `${CHROMIUM} is missing: install it with tools/services up chromium (.ci/run does)`;
  if (process.env.CI) throw new Error(hint);
  console.warn(`Skipping the gateway Swagger UI test. ${hint}`);
}

let idp: IdentityProvider;
let services: App[];
let gateway: Gateway;
let profile: string;
let browser: BrowserContext;

beforeAll(async () => {
  if (!available) return;
  idp = await provider();
  const registry = memoryRegistry();
  services = await backends(idp, registry);
  gateway = createGateway({
    services: [catalog],
    registry,
    auth: { issuer: idp.issuer, audience: SHOP, jwks: idp.jwksUri },
    docs: {
      title: 'Shop',
      oauth: {
        authorizationUrl: idp.authorizationEndpoint,
        tokenUrl: idp.tokenEndpoint,
        clientId: 'swagger-ui',
        scopes: { openid: 'Sign in', 'catalog:read': 'Read the catalog' },
        params: { resource: SHOP },
      },
    },
    http: { port: 0 },
    logger: quiet,
  });
  await gateway.start();
  idp.addBrowserClient({ id: 'swagger-ui', redirectUris: [`${gateway.url}/docs/oauth2-redirect.html`] });
  profile = mkdtempSync(join(tmpdir(), 'wharf-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
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
  if (!available) return;
  await browser?.close();
  await gateway?.stop();
  for (const app of services ?? []) await app.stop();
  await idp?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe.skipIf(!available)('Swagger UI at the gateway', () => {
  it('signs in through the provider (code + PKCE) and calls an endpoint as the user', { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${gateway.url}/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 20_000 });

    // Unauthenticated first: the call is refused.
    const operation = page.locator('#operations-catalog-catalog_item');
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    await operation.locator('input[placeholder="id"]').fill('42');
    let answered = page.waitForResponse((r) => r.url().endsWith('/v1/items/42'));
    await operation.getByRole('button', { name: 'Execute' }).click();
    expect((await answered).status()).toBe(401);

    // Sign in: the Authorize dialog opens the provider in a popup.
    await page.locator('.auth-wrapper .authorize').click();
    const dialog = page.locator('.modal-ux');
    for (const box of await dialog.locator('input[type="checkbox"]').all()) if (!(await box.isChecked())) await box.check();
    const popupOpened = page.waitForEvent('popup');
    await dialog.locator('button.modal-btn.authorize').first().click();
    const popup = await popupOpened;
    await popup.locator('input[name="login"]').fill('alice');
    await popup.locator('input[name="password"]').fill('any');
    await popup.getByRole('button', { name: 'Sign-in' }).click();
    // Listen before the consent: the redirect page closes the popup at once, and on a fast run it
    // was closed before a listener added after the click could see it (the test then timed out).
    const closed = popup.isClosed() ? Promise.resolve() : popup.waitForEvent('close', { timeout: 30_000 });
    await popup.getByRole('button', { name: 'Continue' }).click(); // consent
    await closed;
    await dialog.getByText('Authorized').waitFor({ timeout: 20_000 });
    await dialog.locator('button[aria-label="Remove authorization"]').waitFor();
    await dialog.locator('button.btn-done').first().click();

    answered = page.waitForResponse((r) => r.url().endsWith('/v1/items/42'));
    await operation.getByRole('button', { name: 'Execute' }).click();
    const response = await answered;
    expect(response.status()).toBe(200);
    expect(await response.json()).toMatchObject({ id: '42', subject: 'alice' });
    expect(response.request().headers().authorization).toMatch(/^Bearer ey/);
    expect(problems).toEqual([]);
    await page.close();
  });
});
