/**
 * Repeat visits (issue 10): the worker keeps every model file in Cache Storage keyed by its SHA-256 and
 * checks it again when read.
 *
 * What is covered: a second visit whose every request under /models/ (manifest.json, tokenizer.json,
 * the .onnx files, the samples) fails at the network level loads from Cache Storage and generates; a
 * corrupt cached entry is dropped and fetched again; a changed manifest evicts entries it no longer names.
 * What is not: a reload with the whole browser offline (context.setOffline). The page's HTML, scripts
 * and the onnxruntime WASM come from the server on every visit: the app has no service worker to serve
 * them, so only the model files (26 MB of the 38 MB a visit loads) are offline-capable.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { generateAndWait, waitForModel } from './helpers.ts';

const manifest = JSON.parse(readFileSync('public/models/manifest.json', 'utf8'));
/** The cache key of a manifest entry (src/model/model-files.ts cacheKey). */
const key = (page: Page, entry: { file: string; sha256: string }) => new URL(`models/${entry.file}?sha256=${entry.sha256}`, page.url()).href;

async function cachedUrls(page: Page): Promise<string[]> {
  return page.evaluate(async () => (await (await caches.open('model-files-v1')).keys()).map((r) => r.url));
}

/** Counts requests for `glob` (worker requests included) and lets them through. */
async function countRequests(context: BrowserContext, glob: string): Promise<{ n: number }> {
  const count = { n: 0 };
  await context.route(glob, (route) => {
    count.n++;
    return route.continue();
  });
  return count;
}

test('a second visit loads every model file from Cache Storage with the network for them cut, and generates', async ({ page, context }) => {
  await page.goto('./?backend=wasm&autorun=0#steps=2');
  await expect(page.getByTestId('load-progress')).toBeVisible(); // the first visit downloads, with progress
  await waitForModel(page);
  await generateAndWait(page);
  const files = [manifest.tokenizer, manifest.text_encoder, manifest.unet, manifest.image_encoder];
  await expect.poll(() => cachedUrls(page)).toEqual(expect.arrayContaining([...files.map((f) => key(page, f)), new URL('models/manifest.json', page.url()).href]));

  const cut: string[] = [];
  await context.route('**/models/**', (route) => {
    cut.push(new URL(route.request().url()).pathname);
    return route.abort('internetdisconnected');
  });
  await page.reload();
  expect(await waitForModel(page)).toBe('wasm');
  await expect(page.getByTestId('load-error')).toBeHidden();
  await generateAndWait(page);
  // manifest.json was asked for (network first) and failed; the other files never left the cache.
  expect(cut).toContain('/models/manifest.json');
  expect(cut.filter((path) => !path.endsWith('/manifest.json'))).toEqual([]);
  await expect(page.getByTestId('match')).toBeVisible(); // the image encoder came from the cache too
});

test('a corrupt cached file is dropped and fetched again; a changed manifest evicts what it no longer names', async ({ page, context }) => {
  await page.goto('./?backend=wasm&autorun=0');
  await waitForModel(page);
  const unetKey = key(page, manifest.unet);
  // Same size, wrong bytes: only the hash check on read can tell.
  await page.evaluate(async ([url, bytes]) => (await caches.open('model-files-v1')).put(url, new Response(new Uint8Array(bytes))), [unetKey, manifest.unet.bytes] as const);
  const unetFetches = await countRequests(context, '**/models/unet.onnx');
  await page.reload();
  await waitForModel(page);
  expect(unetFetches.n).toBe(1);
  const digest = await page.evaluate(async (url) => {
    const bytes = await (await (await caches.open('model-files-v1')).match(url))!.arrayBuffer();
    return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
  }, unetKey);
  expect(digest).toBe(manifest.unet.sha256);

  // A new model without the image encoder: its cached file goes, the rest stays.
  await context.route('**/models/manifest.json', async (route) => {
    const response = await route.fetch();
    const changed = await response.json();
    delete changed.image_encoder;
    await route.fulfill({ response, json: changed });
  });
  expect(await cachedUrls(page)).toContain(key(page, manifest.image_encoder));
  await page.reload();
  await waitForModel(page);
  await expect.poll(() => cachedUrls(page)).not.toContain(key(page, manifest.image_encoder));
  expect(await cachedUrls(page)).toContain(unetKey);
});

test('a second visit with the network off (page, scripts, runtime and models from the caches) loads and generates', async ({ page, context }) => {
  await page.goto('./?backend=wasm&autorun=0#steps=2');
  await waitForModel(page);
  await generateAndWait(page);
  // The service worker is in control and holds the page, its scripts and the runtime.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 90_000 });
  await expect
    .poll(() => page.evaluate(async () => (await (await caches.open('app-shell-v1')).keys()).map((r) => new URL(r.url).pathname)), { timeout: 60_000 })
    .toEqual(
      expect.arrayContaining(['/', '/ort/ort-wasm-simd-threaded.jsep.mjs', '/ort/ort-wasm-simd-threaded.jsep.wasm', expect.stringMatching(/^\/assets\/inference\.worker-.*\.js$/)]),
    );
  await context.setOffline(true);
  await page.reload();
  expect(await waitForModel(page)).toBe('wasm');
  await expect(page.getByTestId('load-error')).toBeHidden();
  await generateAndWait(page);
  await expect(page.getByRole('region', { name: 'Denoising' })).toHaveAttribute('data-step', '2');
});
