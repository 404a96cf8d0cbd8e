// The Redoc reference (generated/docs/index.html) in a real browser: Debian's Chromium driven by
// playwright-core, the page served the way `npm start` serves it. Every request the page makes is
// intercepted: anything not aimed at the local server is recorded and aborted.
// Without Chromium the suite fails in CI (CI is set) and is skipped elsewhere.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../scripts/mock.js';
import { startDocsServer } from '../scripts/start.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// GENERATED_DIR points the test at another build of generated/ (default: the committed one).
const generated = process.env.GENERATED_DIR ? resolve(process.env.GENERATED_DIR) : join(root, 'generated');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOT = join(root, 'test', 'artifacts', 'docs.png');
// The operation list of the same build (generated/operations.js), which every operation must appear from.
const listed = (await import(pathToFileURL(join(generated, 'operations.js')).href)) as {
  operationIds: readonly string[];
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** The parts of the bundled description this test reads. */
interface Spec {
  info: { title: string };
  tags: { name: string }[];
  paths: Record<
    string,
    Partial<
      Record<
        (typeof METHODS)[number],
        { operationId: string; summary: string; tags: string[]; responses: Record<string, unknown> }
      >
    >
  >;
}

function specOperations() {
  const spec = JSON.parse(readFileSync(join(generated, 'openapi.json'), 'utf8')) as Spec;
  const ops: {
    operationId: string;
    summary: string;
    tag: string;
    method: string;
    path: string;
    responses: string[];
  }[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op)
        ops.push({
          operationId: op.operationId,
          summary: op.summary,
          tag: op.tags[0] ?? '',
          method,
          path,
          responses: Object.keys(op.responses),
        });
    }
  }
  return { spec, ops };
}

const isLocal = (raw: string) => {
  const url = new URL(raw);
  if (['data:', 'blob:', 'about:'].includes(url.protocol)) return true;
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
};

const haveChromium = existsSync(CHROMIUM);

if (!haveChromium) {
  describe('docs in headless Chromium', () => {
    if (process.env.CI) {
      it(`needs Chromium at ${CHROMIUM} in CI`, () => {
        throw new Error(
          `Chromium not found at ${CHROMIUM}. Install it: apt-get install -y chromium (or set CHROMIUM_PATH).`,
        );
      });
    } else {
      console.warn(
        `docs-browser.test.ts: Chromium not found at ${CHROMIUM}; skipping the browser test (apt-get install -y chromium, or set CHROMIUM_PATH).`,
      );
      it.skip(`SKIPPED: Chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`, () => {});
    }
  });
} else
  describe('docs in headless Chromium', () => {
    let server: RunningServer;
    let context: BrowserContext;
    let page: Page;
    let profile: string;
    const external: string[] = [];
    const consoleErrors: string[] = [];
    const { spec, ops } = specOperations();

    beforeAll(async () => {
      server = await startDocsServer({ port: 0, dir: generated });
      profile = mkdtempSync(join(tmpdir(), 'docs-browser-profile-'));
      // launchPersistentContext is how playwright takes a --user-data-dir: a fresh, empty profile.
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: FLAGS,
        viewport: { width: 1400, height: 900 },
      });
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (isLocal(url)) return route.continue();
        external.push(url);
        return route.abort('blockedbyclient');
      });
      context.on('request', (req) => {
        if (!isLocal(req.url()) && !external.includes(req.url())) external.push(req.url());
      });
      page = context.pages()[0] ?? (await context.newPage());
      page.on('websocket', (ws) => {
        if (!isLocal(ws.url())) external.push(ws.url());
      });
      page.on('console', (msg) => {
        if (msg.type() === 'error') consoleErrors.push(`${msg.text()} (${msg.location().url})`);
      });
      page.on('pageerror', (err) => consoleErrors.push(`uncaught: ${err.message}`));
      const res = await page.goto(`${server.url}/`, { waitUntil: 'load' });
      expect(res?.status()).toBe(200);
      await page.waitForSelector('[data-component-name="Menu/MenuItem"]', { timeout: 15_000 });
    }, 60_000);

    afterAll(async () => {
      await context?.close();
      await server?.close();
      if (profile) rmSync(profile, { recursive: true, force: true });
    });

    it('the spec has the operations of the generated list', () => {
      expect(ops.map((o) => o.operationId).sort()).toEqual([...listed.operationIds].sort());
    });

    it('renders the title and every tag in the navigation', async () => {
      const menu = await page.locator('[data-component-name="Menu/MenuItem"] > a').allInnerTexts();
      const labels = menu.map((t) => t.trim());
      expect(labels).toContain(spec.info.title);
      for (const tag of spec.tags) expect(labels, `tag ${tag.name}`).toContain(tag.name);
    });

    it('shows every operation of the generated list', async () => {
      // Redoc 3 renders a tag's operations when the tag is opened and an operation's details when it
      // is near the viewport: open each tag, then each of its operations from the navigation.
      const shown = new Set<string>();
      for (const tag of spec.tags) {
        const expected = ops.filter((o) => o.tag === tag.name);
        for (const o of expected) {
          const section = await openOperation(page, o.tag, o.operationId, o.summary);
          expect(await renderedText(section)).toContain(o.path);
          shown.add(o.operationId);
        }
      }
      expect([...shown].sort()).toEqual(ops.map((o) => o.operationId).sort());
      expect([...shown].sort()).toEqual([...listed.operationIds].sort());
    }, 180_000);

    it('an operation shows its request, its examples and its error responses', async () => {
      const merge = ops.find((o) => o.path === '/lead/merge/' && o.method === 'post');
      if (!merge) throw new Error('POST /lead/merge/ is not in the spec');
      const section = await openOperation(page, merge.tag, merge.operationId, merge.summary);
      const text = await renderedText(section);
      expect(text).toContain('/lead/merge/');
      for (const code of merge.responses) expect(text, `response ${code}`).toContain(code);
      // The response samples panel: switch to the 400 and see its example.
      await section.locator('[data-component-name="Panel/Panel"]').getByText('400', { exact: true }).last().click();
      await expect.poll(() => renderedText(section)).toContain('field-errors');
    }, 60_000);

    it('an operation shows its generated code samples: curl and the TypeScript client', async () => {
      const get = ops.find((o) => o.operationId === 'getLead');
      if (!get) throw new Error('getLead is not in the spec');
      const section = await openOperation(page, get.tag, get.operationId, get.summary);
      await expect.poll(() => renderedText(section)).toContain('-u "$CLOSE_API_KEY:"');
      // The samples panel names the shown language; its other languages are in a dropdown there.
      await section.getByText('curl', { exact: true }).first().click();
      await page.getByRole('menuitem', { name: 'TypeScript' }).first().click();
      await expect.poll(() => renderedText(section)).toContain("close.call('getLead'");
    }, 60_000);

    it('search finds "merge"', async () => {
      await page.keyboard.press('Escape');
      await page.locator('[data-testid="search-trigger"]').click();
      const input = page
        .locator('[data-component-name="Search/SearchInput"] input, input[data-component-name="Search/SearchInput"]')
        .first();
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill('merge');
      const hit = page.locator('[data-component-name="Search/SearchItem"]', { hasText: '/lead/merge/' }).first();
      await expect.poll(() => hit.count(), { timeout: 10_000 }).toBeGreaterThan(0);
      expect(await renderedText(hit)).toMatch(/merge/i);
      await hit.click();
      await expect.poll(() => page.url()).toMatch(/mergeleads$/i);
      await page.waitForTimeout(500);
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
      expect(existsSync(SCREENSHOT)).toBe(true);
    }, 60_000);

    it('links the spec downloads, which the server delivers', async () => {
      const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      expect(hrefs).toContain('openapi.json');
      expect(hrefs).toContain('openapi.yaml');
      const json = await page.request.get(`${server.url}/openapi.json`);
      expect(json.status()).toBe(200);
      expect((await json.json()).openapi).toBe('3.1.0');
      const yaml = await page.request.get(`${server.url}/openapi.yaml`);
      expect(yaml.status()).toBe(200);
      expect(await yaml.text()).toMatch(/^openapi: 3\.1\.0$/m);
    });

    it('logged no console error and sent no request beyond localhost', () => {
      expect(consoleErrors).toEqual([]);
      expect(external).toEqual([]);
    });
  });

function escapeRegExp(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The rendered text of a locator's one element, as Playwright's `locator.innerText()` gives it (visible
 * text only; waits for the element to be attached). Written with allInnerTexts() because Biome's
 * useDomNodeTextContent takes the Playwright method for the DOM property and would have it read
 * textContent, which includes hidden text.
 */
async function renderedText(locator: Locator): Promise<string> {
  await locator.waitFor({ state: 'attached' });
  return (await locator.allInnerTexts()).join('\n');
}

/** Opens an operation from the navigation (its tag first) and waits until its section shows `summary`. */
async function openOperation(page: Page, tag: string, operationId: string, summary: string) {
  const id = operationId.toLowerCase();
  const link = page.locator(`[data-component-name="Menu/MenuItem"] a[href$="/${id}"]`).first();
  if (!(await link.isVisible())) {
    await page
      .locator('[data-component-name="Menu/MenuItem"] > a', { hasText: new RegExp(`^${escapeRegExp(tag)}$`) })
      .first()
      .click();
  }
  await link.click();
  const section = page.locator(`[data-section-id$="/${id}"]`).first();
  await expect
    .poll(() => renderedText(section), { timeout: 10_000, message: `${operationId} is rendered` })
    .toContain(summary);
  return section;
}
