/** (b) The forward-process panel: the Timestep slider noises the sample and updates ᾱ_t. */
import { expect, test } from '@playwright/test';
import { meanAbsDiff, readCanvas } from './helpers.ts';

test('moving the Timestep slider changes x_t and the ᾱ_t readout, and is stable', async ({ page }) => {
  await page.goto('./?backend=wasm&autorun=0#t=50&seed=1');
  const slider = page.getByLabel('Timestep');
  const alphaBar = page.getByTestId('alpha-bar');
  await expect(alphaBar).not.toHaveText('–');
  // Wait for the sample image to be drawn (the canvas is transparent until then).
  await expect.poll(async () => (await readCanvas(page, 'forward-xt')).data[3]).toBe(255);

  const low = await readCanvas(page, 'forward-xt');
  const lowAlpha = Number(await alphaBar.textContent());
  expect(lowAlpha).toBeGreaterThan(0.9);

  await slider.fill('800');
  await expect(page.getByTestId('alpha-bar')).not.toHaveText(String(lowAlpha));
  const highAlpha = Number(await alphaBar.textContent());
  expect(highAlpha).toBeLessThan(0.2);
  const high = await readCanvas(page, 'forward-xt');
  expect(meanAbsDiff(low, high)).toBeGreaterThan(20);

  // The noise is seeded: coming back gives the same pixels.
  await slider.fill('50');
  await expect(alphaBar).toHaveText(lowAlpha.toFixed(4));
  expect(meanAbsDiff(low, await readCanvas(page, 'forward-xt'))).toBe(0);
  // ...and the hash follows, so a link reproduces the view.
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('t=50');
});
