/** Your own image as the forward panel's source: any size accepted and shown at the model's size; bad files get a message. */
import { expect, test } from '@playwright/test';
import { encode } from 'fast-png';
import { readCanvas, waitForModel } from './helpers.ts';

test('an uploaded PNG of another size is centre-cropped into the forward panel; a text file renamed .png is refused', async ({ page }) => {
  await page.goto('./?backend=wasm&autorun=0');
  await waitForModel(page);
  const input = page.getByTestId('upload-input');

  // 300x200: a red square in the middle 200x200, blue bands left and right that the crop removes.
  const [w, h] = [300, 200];
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(x >= 50 && x < 250 ? [220, 30, 30] : [20, 20, 230], 3 * (y * w + x));
  await input.setInputFiles({ name: 'red.png', mimeType: 'image/png', buffer: Buffer.from(encode({ width: w, height: h, data, channels: 3 })) });
  await expect(page.getByLabel('Image', { exact: true })).toHaveValue('upload');
  await expect(page.getByLabel('Image', { exact: true }).locator('option:checked')).toHaveText('Your image: red.png');
  const x0 = await readCanvas(page, 'forward-x0');
  expect([x0.width, x0.height]).toEqual([64, 64]);
  for (const [x, y] of [[2, 2], [61, 61], [32, 10]]) expect(Array.from(x0.data.slice(4 * (y * 64 + x), 4 * (y * 64 + x) + 3))).toEqual([220, 30, 30]);
  // At the very edge the browser's resampling filter may reach a little past the crop: still red, not blue.
  for (const [x, y] of [[0, 0], [63, 32]]) {
    const [r, , b] = x0.data.slice(4 * (y * 64 + x), 4 * (y * 64 + x) + 3);
    expect(r - b, `pixel ${x},${y}`).toBeGreaterThan(150);
  }

  // A transparent PNG is composited on white, as the training data was.
  const clear = encode({ width: 16, height: 16, data: new Uint8Array(16 * 16 * 4), channels: 4 });
  await input.setInputFiles({ name: 'clear.png', mimeType: 'image/png', buffer: Buffer.from(clear) });
  await expect(page.getByLabel('Image', { exact: true }).locator('option:checked')).toHaveText('Your image: clear.png');
  await expect.poll(async () => Array.from((await readCanvas(page, 'forward-x0')).data.slice(0, 4))).toEqual([255, 255, 255, 255]);

  await input.setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('just some text, not an image') });
  await expect(page.getByTestId('upload-error')).toHaveText('notes.png is not a PNG, JPEG or WebP image.');
  await input.setInputFiles({ name: 'dot.png', mimeType: 'image/png', buffer: Buffer.from(encode({ width: 1, height: 1, data: new Uint8Array(3), channels: 3 })) });
  await expect(page.getByTestId('upload-error')).toHaveText('dot.png is 1x1 px; it must be at least 8x8.');
  // The last good image stays, and the page still works.
  await expect(page.getByLabel('Image', { exact: true }).locator('option:checked')).toHaveText('Your image: clear.png');
  await expect(page.getByRole('button', { name: 'Generate' })).toBeEnabled();
});
