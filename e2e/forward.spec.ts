/** (b) The forward-process panel: the Timestep slider noises the sample and updates ᾱ_t. */
import { expect, test } from '@playwright/test';
import { LOAD_TIMEOUT, meanAbsDiff, readCanvas, waitForModel } from './helpers.ts';

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

test('the forward panel asks the model for the noise it added: ε̂, its error and the ε-MSE, equal to the training view\'s for the same image, t and seed', async ({ page }) => {
  await page.goto('./?backend=wasm&autorun=0#t=400&seed=3');
  await waitForModel(page);
  const panel = page.getByRole('region', { name: 'Forward process' });
  await panel.getByRole('checkbox', { name: /Ask the model to find the noise/ }).check();
  const mse = page.getByTestId('forward-mse-eps');
  await expect(mse).not.toHaveAttribute('data-value', '', { timeout: LOAD_TIMEOUT });
  const forward = Number(await mse.getAttribute('data-value'));
  expect(forward).toBeGreaterThan(0);
  expect(forward).toBeLessThan(1); // a trained model beats guessing zero noise at t = 400
  await expect.poll(async () => (await readCanvas(page, 'forward-eps-hat')).data[3]).toBe(255);

  // A new t is a new question: the readout follows.
  await page.getByLabel('Timestep').fill('900');
  await expect(mse).not.toHaveAttribute('data-value', String(forward), { timeout: LOAD_TIMEOUT });
  await expect(mse).not.toHaveAttribute('data-value', '', { timeout: LOAD_TIMEOUT });
  const high = Number(await mse.getAttribute('data-value'));
  await page.getByLabel('Timestep').fill('400');
  await expect(mse).toHaveAttribute('data-value', String(forward), { timeout: LOAD_TIMEOUT });

  // The training view, given the forward panel's image, t and seed, computes the very same term.
  await page.getByRole('tab', { name: 'Training' }).click();
  const view = page.getByTestId('training-view');
  await view.getByRole('button', { name: /Use the forward panel/ }).click();
  const trainingMse = page.getByTestId('mse-eps');
  await expect(trainingMse).not.toHaveAttribute('data-value', '', { timeout: LOAD_TIMEOUT });
  expect(Math.abs(Number(await trainingMse.getAttribute('data-value')) - forward)).toBeLessThan(1e-6);
  expect(high).not.toBe(forward);
});
