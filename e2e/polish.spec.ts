/** Fixes users hit: Stop with a generated source, links that rebuild img2img runs, the runtime in the progress bar, labels, dark theme. */
import { statSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { denoiseView, generateAndWait, LOAD_TIMEOUT, maxAbsDiff, openQuiet, readCanvas, recordedLoadPhases, recordLoadPhases, waitForModel } from './helpers.ts';

test('Stop during a run from "The image just generated" leaves Generate usable', async ({ page }) => {
  await openQuiet(page, 'prompt=cat%20face&steps=3&seed=2');
  await waitForModel(page);
  await generateAndWait(page);
  await page.getByLabel('Image', { exact: true }).selectOption({ label: 'The image just generated' });
  await page.getByLabel('Start from').selectOption({ label: 'Image (img2img)' });
  await page.getByLabel('Steps', { exact: true }).fill('100');
  await page.getByLabel('Strength').fill('1');
  const view = denoiseView(page);
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(view).toHaveAttribute('data-status', 'running');
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(view).toHaveAttribute('data-status', 'cancelled', { timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Generate' })).toBeEnabled();
  await page.getByLabel('Steps', { exact: true }).fill('2');
  await generateAndWait(page);
  await expect(page.getByTestId('run-params')).toContainText('img2img strength 1');
});

test('a link to an img2img run from a generated image rebuilds it in a fresh page: same image to 1/255', async ({ page, browser }) => {
  await openQuiet(page, 'prompt=cat%20face&steps=4&seed=7');
  await waitForModel(page);
  await generateAndWait(page);
  const source = await readCanvas(page, 'canvas-x0');
  await page.getByLabel('Image', { exact: true }).selectOption({ label: 'The image just generated' });
  await page.getByLabel('Start from').selectOption({ label: 'Image (img2img)' });
  await page.getByLabel('Strength').fill('0.5');
  await page.getByLabel('Prompt', { exact: true }).fill('red apple');
  await page.getByLabel('Seed', { exact: true }).fill('11');
  await generateAndWait(page);
  const result = await readCanvas(page, 'canvas-x0');
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('prompt=red%20apple');
  const hash = await page.evaluate(() => location.hash);
  expect(hash).toContain('start=img2img');
  expect(hash).toContain('src=run&src_prompt=cat%20face&src_seed=7&src_steps=4');

  const fresh = await (await browser.newContext()).newPage();
  await fresh.goto(`./?backend=wasm${hash}`);
  await expect(fresh.getByTestId('run-note')).toHaveText(/after rebuilding the image it starts from/, { timeout: LOAD_TIMEOUT + 60_000 });
  await expect(denoiseView(fresh)).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(fresh.getByTestId('run-params')).toContainText('red apple · seed 11 · 4 steps');
  expect(maxAbsDiff(await readCanvas(fresh, 'forward-x0'), source)).toBeLessThanOrEqual(1);
  expect(maxAbsDiff(await readCanvas(fresh, 'canvas-x0'), result)).toBeLessThanOrEqual(1);
  await fresh.context().close();
});

test('the runtime .wasm downloads alongside the models, the progress bar counts it, then names the preparing phase', async ({ page }) => {
  const manifest = JSON.parse(readFileSync('public/models/manifest.json', 'utf8'));
  const modelBytes = ['text_encoder', 'unet', 'image_encoder'].reduce((sum, k) => sum + (manifest[k]?.bytes ?? 0), 0);
  const wasmBytes = statSync('node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.jsep.wasm').size;
  // The largest total the bar ever showed, from the first script of the page on.
  await page.addInitScript(() => {
    const w = window as unknown as { __maxTotal: number };
    w.__maxTotal = 0;
    new MutationObserver(() => {
      const bar = document.querySelector('[data-testid="load-progress"] progress');
      if (bar) w.__maxTotal = Math.max(w.__maxTotal, Number(bar.getAttribute('max')));
    }).observe(document, { subtree: true, childList: true, attributes: true });
  });
  const started = new Map<string, number>();
  const finished = new Map<string, number>();
  const name = (url: string) => url.split('/').pop()!;
  page.on('request', (r) => started.set(name(r.url()), Date.now()));
  page.on('requestfinished', (r) => finished.set(name(r.url()), Date.now()));
  await recordLoadPhases(page);
  await openQuiet(page);
  await waitForModel(page);
  // Then the bar says what the load does once the bytes are in (creating the sessions), rather than
  // sitting full and silent.
  const phases = await recordedLoadPhases(page);
  expect(phases.map((p) => p.phase)).toEqual(['download', 'compile']);
  expect(phases[1].text).toBe('Preparing the model on WASM…');
  const maxTotal = await page.evaluate(() => (window as unknown as { __maxTotal: number }).__maxTotal);
  expect(maxTotal).toBe(modelBytes + wasmBytes);
  const wasm = 'ort-wasm-simd-threaded.jsep.wasm';
  expect(started.has(wasm), [...started.keys()].join(', ')).toBe(true);
  // In parallel: the runtime's request starts before the U-Net's download has finished.
  expect(started.get(wasm)!).toBeLessThan(finished.get('unet.onnx')!);
});

test('sliders announce their value in words, one step reads "1 step", and the final step is labelled as the result', async ({ page }) => {
  await openQuiet(page, 'prompt=cat%20face&steps=1&seed=1&t=32');
  await waitForModel(page);
  await expect(page.locator('#guidance')).toHaveAttribute('aria-valuetext', 'guidance 4');
  await expect(page.getByLabel('Timestep')).toHaveAttribute('aria-valuetext', /^t = 32 of 999, signal /);
  await expect(page.getByLabel('Show step')).toHaveAttribute('aria-valuetext', 'no steps yet');
  await page.getByLabel('Start from').selectOption({ label: 'Image (img2img)' });
  await expect(page.getByText('Runs 1 of the 1 step;')).toBeVisible();
  await page.getByLabel('Start from').selectOption({ label: 'Noise' });
  await generateAndWait(page);
  await expect(page.getByTestId('run-params')).toContainText('seed 1 · 1 step · DDIM');
  await expect(page.getByRole('status').filter({ hasText: 'Done.' })).toContainText(/Done\. 1 step in/);
  await expect(page.getByLabel('Show step')).toHaveAttribute('aria-valuetext', 'step 1 of 1, t = 999');
  await expect(page.getByTestId('x0-final-note')).toBeVisible();
  await expect(page.getByTestId('x0-final-note')).toContainText('Result, x0 at t = 0');
  await expect(page.getByTestId('xt-final-note')).toContainText('the last step’s input');

  // A longer run: the notes are for the last step only.
  await page.getByLabel('Steps', { exact: true }).fill('3');
  await generateAndWait(page);
  await page.getByLabel('Show step').fill('1');
  await expect(page.getByTestId('x0-final-note')).toBeHidden();
  await expect(page.getByText('the model’s guess of the clean image')).toBeVisible();
});

test("the backend badge's reason is shown in full", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('./?autorun=0');
  await waitForModel(page);
  const reason = page.getByTestId('backend-reason');
  await expect(reason).toBeVisible();
  const { scroll, client, text } = await reason.evaluate((e) => ({ scroll: e.scrollWidth, client: e.clientWidth, text: e.textContent }));
  expect(text!.length).toBeGreaterThan(5);
  expect(scroll).toBeLessThanOrEqual(client);
  // Even a long reason wraps inside the badge rather than being cut.
  await reason.evaluate((e) => (e.textContent = 'WebGPU session failed: ' + 'a very long reason with many words '.repeat(6)));
  const box = (await reason.boundingBox())!;
  const badge = (await page.getByTestId('backend-badge').boundingBox())!;
  expect(box.height).toBeGreaterThan(40);
  expect(box.x + box.width).toBeLessThanOrEqual(badge.x + badge.width);
  expect(await reason.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
});

test('the page follows prefers-color-scheme: a dark theme in dark mode', async ({ page }) => {
  const luminance = async () =>
    page.evaluate(() => {
      const [r, g, b] = getComputedStyle(document.documentElement).backgroundColor.match(/\d+/g)!.map(Number);
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    });
  await page.emulateMedia({ colorScheme: 'light' });
  await openQuiet(page);
  expect(await luminance()).toBeGreaterThan(0.8);
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await luminance()).toBeLessThan(0.2);
  const text = await page.locator('h1').evaluate((e) => getComputedStyle(e).color);
  expect(text).not.toBe('rgb(28, 32, 38)');
});
