/** (e) The page is cross-origin isolated (WASM threads) and talks to no other origin. */
import { expect, test } from '@playwright/test';
import { generateAndWait, waitForModel } from './helpers.ts';

test('crossOriginIsolated is true and every request stays on the page origin', async ({ page, context, baseURL }) => {
  const requests: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  await page.goto('./?backend=wasm&autorun=0#steps=2');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await waitForModel(page);
  await expect(page.getByTestId('backend-badge')).toContainText(/WASM · [2-4] threads/);
  await generateAndWait(page);

  const origin = new URL(baseURL!).origin;
  const foreign = requests.filter((url) => !url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== origin);
  expect(foreign).toEqual([]);
  // The runtime and both models came from this origin.
  for (const file of ['ort-wasm-simd-threaded.jsep.wasm', 'unet.onnx', 'text_encoder.onnx', 'manifest.json']) {
    expect(requests.some((url) => url.endsWith(file))).toBe(true);
  }
});
