// Debian's headless Chromium for the visual report's tests: one browser per test file, every network request
// refused and recorded, the page's errors kept, and each chart's data-drawn read once every chart has drawn.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Browser {
  open: (html: string) => Promise<OpenedPage>;
  close: () => Promise<void>;
}

export interface OpenedPage {
  page: Page;
  /** data-drawn of every [data-chart] element, by its name. */
  drawn: Record<string, number>;
  /** Every request the page attempted (each was refused). */
  requests: string[];
  /** Uncaught errors and console errors (a content-security-policy refusal is one). */
  errors: string[];
}

/** Fails, naming the fix, when Chromium is missing: the charts' tests must never pass by not running. */
export const launchChromium = async (): Promise<Browser> => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's package with \`apt-get install chromium\` (.ci/run does when it is missing)`);
  const profile = await mkdtemp(join(tmpdir(), 'visual-report-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 900 } });
  return {
    open: async (html) => {
      const page = await context.newPage();
      const requests: string[] = [];
      const errors: string[] = [];
      await page.route('**/*', async (route) => {
        requests.push(route.request().url());
        await route.abort();
      });
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      await page.setContent(html, { waitUntil: 'load' });
      // Page code as text: this project type-checks without the DOM's types. A chart that never draws is
      // left without data-drawn (NaN below), so the assertion names it instead of a timeout.
      await page
        .waitForFunction(`document.documentElement.dataset.ready === 'true' && document.querySelectorAll('[data-chart]:not([data-drawn])').length === 0`, undefined, { timeout: 10_000 })
        .catch(() => undefined);
      const drawn = (await page.evaluate(
        `Object.fromEntries([...document.querySelectorAll('[data-chart]')].map((e) => [e.dataset.chart, Number(e.dataset.drawn ?? 'NaN')]))`,
      )) as Record<string, number>;
      return { page, drawn, requests, errors };
    },
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
};
