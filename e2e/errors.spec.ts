/** (d) Bad input and broken files give clear messages, and the page keeps working. */
import { expect, test } from '@playwright/test';
import { denoiseView, generateAndWait, readCanvas, waitForModel } from './helpers.ts';

test('a broken link is reported, replaced by defaults, and the page still generates', async ({ page }) => {
  await page.goto('./?backend=wasm&autorun=0#prompt=%E0%A4%A&seed=banana&steps=-4&guidance=lots&t=99999');
  const notice = page.getByTestId('url-problems');
  await expect(notice).toBeVisible();
  for (const field of ['prompt', 'seed', 'steps', 'guidance', 't']) await expect(notice).toContainText(`${field}:`);
  await expect(page.getByLabel('Steps', { exact: true })).toHaveValue('1'); // -4 clamped into 1..100
  await expect(page.getByLabel('Timestep')).toHaveValue('999');
  await waitForModel(page);
  await page.getByLabel('Steps', { exact: true }).fill('2');
  await generateAndWait(page);
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await expect(notice).toBeHidden();
});

test('a missing unet.onnx shows a clear message, the rest of the page works, Retry recovers', async ({ page, context }) => {
  await context.route('**/models/unet.onnx', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.goto('./?backend=wasm&autorun=0#steps=2');
  const error = page.getByTestId('load-error');
  await expect(error).toContainText('unet.onnx: HTTP 404', { timeout: 60_000 });
  await expect(page.getByTestId('backend-badge')).toHaveText('Model not loaded');
  await expect(page.getByRole('button', { name: 'Generate' })).toBeDisabled();
  // The forward process needs only the manifest and a sample: it still works.
  const before = page.getByTestId('alpha-bar');
  await expect(before).not.toHaveText('–');
  await page.getByLabel('Timestep').fill('900');
  await expect(before).toHaveText(/^0\.0/);
  await page.getByLabel('Prompt', { exact: true }).fill('still typing');

  await context.unroute('**/models/unet.onnx');
  await page.getByRole('button', { name: 'Retry' }).click();
  await waitForModel(page);
  await expect(error).toBeHidden();
  await generateAndWait(page);
});

test('a corrupt or truncated unet.onnx is caught before it reaches the runtime', async ({ page, context }) => {
  await context.route('**/models/unet.onnx', async (route) => {
    const response = await route.fetch();
    const body = await response.body();
    body[body.length >> 1] ^= 0xff; // one flipped byte
    await route.fulfill({ response, body });
  });
  await page.goto('./?backend=wasm&autorun=0');
  await expect(page.getByTestId('load-error')).toContainText(/unet\.onnx: SHA-256 .* does not match manifest\.json/, { timeout: 60_000 });

  await context.unroute('**/models/unet.onnx');
  await context.route('**/models/unet.onnx', async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: (await response.body()).subarray(0, 1000) });
  });
  await page.getByRole('button', { name: 'Retry' }).click();
  await expect(page.getByTestId('load-error')).toContainText(/unet\.onnx: expected \d+ bytes \(manifest\.json\), got 1000/);
});

test('prompts: empty runs unconditionally, over-long is cut with a hint, markup stays text', async ({ page }) => {
  await page.goto('./?backend=wasm&autorun=0#steps=2');
  await waitForModel(page);
  const prompt = page.getByLabel('Prompt', { exact: true });
  const hint = page.getByTestId('prompt-hint');

  await prompt.fill('');
  await expect(hint).toContainText('unconditional');
  await generateAndWait(page);
  await expect(page.getByTestId('run-params')).toContainText('no prompt');

  await prompt.fill('one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen');
  await expect(hint).toHaveText('Only the first 14 words are used; the last 2 are ignored.');

  const markup = '<img src=x onerror="window.__xss=1"><b>bold</b> cat';
  await prompt.fill(markup);
  await generateAndWait(page);
  await expect(page.getByTestId('run-params')).toContainText(markup);
  expect(await page.locator('main b:text("bold"), main img[src="x"]').count()).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  expect((await readCanvas(page, 'canvas-x0')).data[3]).toBe(255);
  await expect(denoiseView(page)).toHaveAttribute('data-status', 'done');
});

test('without WebGPU the page falls back to WASM and says why', async ({ page }) => {
  // This project's Chromium runs without --enable-unsafe-webgpu: no usable adapter.
  await page.goto('./');
  expect(await waitForModel(page)).toBe('wasm');
  await expect(page.getByTestId('backend-badge')).toContainText(/navigator\.gpu missing|no WebGPU adapter|software-emulated/);
});
