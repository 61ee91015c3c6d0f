/** Start points: img2img and inpainting from the forward panel's image ("cat face" sample), chosen in the prompt panel. */
import { expect, test, type Page } from '@playwright/test';
import { generateAndWait, maxAbsDiff, meanAbsDiff, readCanvas, recordSteps, recordedSteps, waitForModel, type Pixels } from './helpers.ts';

/** The columns x0 <= x < x1 of a canvas's pixels. */
function columns(p: Pixels, x0: number, x1: number): Pixels {
  const width = x1 - x0;
  const data = new Uint8ClampedArray(width * p.height * 4);
  for (let y = 0; y < p.height; y++) data.set(p.data.subarray(4 * (y * p.width + x0), 4 * (y * p.width + x1)), 4 * y * width);
  return { width, height: p.height, data };
}

/** Loads the page with the cat face sample in the forward panel and waits for the models and that image. */
async function openWithSample(page: Page): Promise<Pixels> {
  await page.goto('./?backend=wasm&autorun=0#prompt=cat%20face&steps=6&seed=3&guidance=4');
  await waitForModel(page);
  await expect(page.getByLabel('Image', { exact: true })).toHaveValue('0'); // Sample: cat face
  await expect.poll(async () => (await readCanvas(page, 'forward-x0')).data[3]).toBe(255);
  return readCanvas(page, 'forward-x0');
}

test('img2img at strength 0.5 runs 3 of 6 steps and ends closer to the source than a run from noise', async ({ page }) => {
  const source = await openWithSample(page);
  await page.getByLabel('Start from').selectOption({ label: 'Image (img2img)' });
  await page.getByLabel('Strength').fill('0.5');
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('start=img2img&strength=0.5');

  await recordSteps(page);
  await generateAndWait(page);
  const steps = await recordedSteps(page);
  expect(steps).toHaveLength(3); // round_half_up(6 * 0.5)
  expect(steps[0]).toMatch(/^Step 1 \/ 3 · t = \d+$/);
  await expect(page.getByTestId('run-params')).toContainText('img2img strength 0.5');
  const fromImage = await readCanvas(page, 'canvas-x0');

  await page.getByLabel('Start from').selectOption({ label: 'Noise' });
  await expect(page.getByLabel('Strength')).toHaveCount(0);
  await generateAndWait(page);
  const fromNoise = await readCanvas(page, 'canvas-x0');

  const dImage = meanAbsDiff(fromImage, source);
  const dNoise = meanAbsDiff(fromNoise, source);
  console.log(`mean |img2img - source| = ${dImage.toFixed(2)}, mean |noise run - source| = ${dNoise.toFixed(2)} (0..255)`);
  expect(dImage).toBeLessThan(dNoise);
});

test('inpainting keeping the left half returns that half as is and redraws the right half', async ({ page }) => {
  const source = await openWithSample(page);
  await page.getByLabel('Start from').selectOption({ label: 'Inpaint' });
  await expect(page.getByLabel('Keep')).toHaveValue('left');
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('start=inpaint');

  await generateAndWait(page);
  await expect(page.getByTestId('run-params')).toContainText('inpaint keeping the left half');
  const result = await readCanvas(page, 'canvas-x0');
  const half = source.width / 2;
  // The step to t = -1 puts the known image back as is: equal to one 8-bit level.
  expect(maxAbsDiff(columns(result, 0, half), columns(source, 0, half))).toBeLessThanOrEqual(1);
  const right = meanAbsDiff(columns(result, half, source.width), columns(source, half, source.width));
  console.log(`mean |inpainted right half - source| = ${right.toFixed(2)} (0..255)`);
  expect(right).toBeGreaterThan(2);
});
