/**
 * Issue 10: a dead, hung or stalled inference worker is noticed, said in one line, and Retry starts a
 * fresh one that keeps the settings and the frames shown; a missing manifest is fetched again too.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { expect, test, type Page, type Worker } from '@playwright/test';
import { denoiseView, generateAndWait, waitForModel } from './helpers.ts';

/** The page's inference worker (named 'inference'; ORT's own thread workers are not it). */
async function inferenceWorker(page: Page): Promise<Worker> {
  await expect.poll(() => page.workers().some((w) => /inference/.test(w.url()))).toBe(true);
  return page.workers().find((w) => /inference/.test(w.url()))!;
}

test('a worker closed mid-run is reported within 5 s, and Retry generates again with the settings and frames kept', async ({ page }) => {
  await page.goto('./?backend=wasm&autorun=0#prompt=red%20apple&steps=60&seed=5');
  await waitForModel(page);
  const view = denoiseView(page);
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(view).not.toHaveAttribute('data-step', '0', { timeout: 60_000 });
  const worker = await inferenceWorker(page);
  const killed = Date.now();
  await worker.evaluate(() => close()).catch(() => undefined);

  const notice = page.getByTestId('worker-failure');
  await expect(notice).toContainText('the inference worker stopped', { timeout: 5_000 });
  console.log(`worker closed mid-run: notice after ${Date.now() - killed} ms`);
  await expect(view).toHaveAttribute('data-status', 'error'); // no longer "Denoising…"
  await expect(view.locator('.status-text')).not.toHaveText('Denoising…');
  const shownStep = await view.getAttribute('data-step');
  expect(Number(shownStep)).toBeGreaterThan(0);
  await expect(page.getByRole('button', { name: 'Stop' })).toBeDisabled();

  await notice.getByRole('button', { name: 'Retry' }).click();
  await waitForModel(page);
  await expect(notice).toBeHidden();
  await expect(view).toHaveAttribute('data-step', shownStep!); // the frames shown stay until the next run
  await expect(page.getByLabel('Prompt', { exact: true })).toHaveValue('red apple');
  await expect(page.getByLabel('Seed', { exact: true })).toHaveValue('5');
  await page.getByLabel('Steps', { exact: true }).fill('2');
  await generateAndWait(page);
  await expect(page.getByTestId('run-params')).toContainText('seed 5 · 2 steps');
});

test('a worker closed while idle is reported at once, not at the next Generate', async ({ page }) => {
  await page.goto('./?backend=wasm&autorun=0#steps=2');
  await waitForModel(page);
  const worker = await inferenceWorker(page);
  await worker.evaluate(() => close()).catch(() => undefined);
  const notice = page.getByTestId('worker-failure');
  await expect(notice).toContainText('the inference worker stopped (it was closed or crashed)', { timeout: 5_000 });
  await expect(page.getByRole('button', { name: 'Generate' })).toBeDisabled();
  await notice.getByRole('button', { name: 'Retry' }).click();
  await waitForModel(page);
  await generateAndWait(page);
});

test('a worker that stops answering is reported after the heartbeat limit, and Retry recovers', async ({ page }) => {
  // 15 s, not less: loading the runtime can block the worker's thread for seconds on a busy machine.
  await page.goto('./?backend=wasm&autorun=0&heartbeatms=15000#steps=2');
  await waitForModel(page);
  const worker = await inferenceWorker(page);
  // Block the worker's thread for good: it is alive (holds its lock) but never answers again.
  void worker.evaluate(() => {
    for (;;);
  }).catch(() => undefined);
  const notice = page.getByTestId('worker-failure');
  const hung = Date.now();
  await expect(notice).toContainText('the inference worker stopped answering (no reply for', { timeout: 45_000 });
  expect(Date.now() - hung).toBeGreaterThan(10_000); // not before the limit (less the last pong's age)
  await expect(page.getByRole('button', { name: 'Generate' })).toBeDisabled();
  await notice.getByRole('button', { name: 'Retry' }).click();
  await waitForModel(page);
  await generateAndWait(page);
});

test.describe('a download that stalls halfway', () => {
  let server: Server;
  let port = 0;
  const unet = readFileSync('public/models/unet.onnx');
  test.beforeAll(async () => {
    // Sends the headers and half of unet.onnx, then nothing more, never ending the response.
    server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': unet.length, 'Cross-Origin-Resource-Policy': 'same-origin' });
      res.write(unet.subarray(0, unet.length >> 1));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  test.afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  test('is reported after ?stallms= with how far it got, and Retry downloads it again', async ({ page, context }) => {
    await context.route('**/models/unet.onnx', (route) => route.continue({ url: `http://127.0.0.1:${port}/unet.onnx` }));
    await page.goto('./?backend=wasm&autorun=0&stallms=3000#steps=2');
    const notice = page.getByTestId('worker-failure');
    await expect(notice).toContainText(/the download of unet\.onnx stalled at [\d.]+ of [\d.]+ MB \(no data for \d+ s\)/, { timeout: 60_000 });
    await expect(page.getByTestId('load-progress')).toBeHidden();
    await expect(page.getByTestId('backend-badge')).toHaveText('Model not loaded');

    await context.unroute('**/models/unet.onnx');
    await notice.getByRole('button', { name: 'Retry' }).click();
    await waitForModel(page);
    await generateAndWait(page);
  });
});

test('a manifest that was missing is fetched again by Retry: the forward panel, samples and licences work', async ({ page, context }) => {
  await context.route('**/models/manifest.json', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.goto('./?backend=wasm&autorun=0#steps=2&prompt=sun');
  await expect(page.getByTestId('load-error')).toContainText('manifest.json: HTTP 404', { timeout: 60_000 });
  await expect(page.getByTestId('alpha-bar')).toHaveText('–');
  const footer = page.getByRole('contentinfo', { name: 'About and licences' });
  await expect(footer.getByRole('heading', { name: 'Training data and licences' })).toBeHidden();

  await context.unroute('**/models/manifest.json');
  await page.getByTestId('load-error').getByRole('button', { name: 'Retry' }).click();
  await waitForModel(page);
  await expect(page.getByTestId('alpha-bar')).not.toHaveText('–');
  await expect(footer.getByRole('heading', { name: 'Training data and licences' })).toBeVisible();
  await expect(footer.getByRole('link', { name: 'Model card' })).toBeVisible();
  await expect(page.getByLabel('Image', { exact: true })).toContainText('Sample:');
  await expect(page.getByLabel('Prompt', { exact: true })).toHaveValue('sun'); // the link's prompt, not the manifest's default
  await generateAndWait(page);
});
