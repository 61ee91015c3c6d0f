/** (a) A prompt becomes an image: every step is shown, and the result is an image, not noise. */
import { expect, test } from '@playwright/test';
import { ddimTimesteps } from '../src/diffusion/schedule.ts';
import { chwToRgba } from '../src/diffusion/image.ts';
import { createRng } from '../src/diffusion/rng.ts';
import { canvasHfe, denoiseView, generateAndWait, maxAbsDiff, readCanvas, recordSteps, recordedSteps, waitForModel } from './helpers.ts';

const STEPS = 8;

test('"cat face" is denoised step by step into an image', async ({ page }) => {
  await page.goto(`./?backend=wasm&autorun=0#steps=${STEPS}&seed=1&guidance=4`);
  const loadStart = Date.now();
  await waitForModel(page);
  const loadMs = Date.now() - loadStart;
  await expect(page.getByTestId('backend-badge')).toContainText('WASM');

  await page.getByLabel('Prompt', { exact: true }).fill('cat face');
  await recordSteps(page);
  const runStart = Date.now();
  await generateAndWait(page);
  const runMs = Date.now() - runStart;

  // Every step arrived, in order, with the trailing DDIM timesteps.
  const expected = Array.from(ddimTimesteps(STEPS, 1000), (t, i) => `Step ${i + 1} / ${STEPS} · t = ${t}`);
  expect(await recordedSteps(page)).toEqual(expected);
  await expect(denoiseView(page)).toHaveAttribute('data-step', String(STEPS));
  await expect(page.getByTestId('run-params')).toContainText('cat face');

  const final = await readCanvas(page, 'canvas-x0');
  expect([final.width, final.height]).toEqual([64, 64]);

  // Rewind to the first step: x_T on screen is the seeded noise the contract defines.
  await page.getByLabel('Show step').fill('0');
  await expect(page.getByTestId('step-counter')).toHaveText(`Step 1 / ${STEPS} · t = 999`);
  const start = await readCanvas(page, 'canvas-xt');
  const noise = chwToRgba(createRng(1).normals(3 * 64 * 64), 64, 64);
  expect(maxAbsDiff(start, { width: 64, height: 64, data: noise })).toBeLessThanOrEqual(1);

  // The picture is smooth where the noise is not: neighbouring pixels differ far less.
  const hfeNoise = canvasHfe(start);
  const hfeFinal = canvasHfe(final);
  console.log(`load ${loadMs} ms, ${STEPS} steps in ${runMs} ms; high-frequency energy: x_T ${hfeNoise.toFixed(3)}, final ${hfeFinal.toFixed(3)}`);
  expect(hfeNoise).toBeGreaterThan(0.8);
  expect(hfeFinal, 'the final image is as rough as noise: is the shipped model trained? (a smoke model is not)').toBeLessThan(
    hfeNoise / 5,
  );
});

test('Stop takes effect within a step and the page can generate again', async ({ page }) => {
  await page.goto('./?backend=wasm&autorun=0#steps=100&seed=2');
  await waitForModel(page);
  // Press Stop from inside the page the moment step 1 is shown, so the test does not depend on speed.
  await denoiseView(page).evaluate((view) => {
    new MutationObserver((_, observer) => {
      if (view.getAttribute('data-step') !== '1') return;
      observer.disconnect();
      [...document.querySelectorAll('button')].find((b) => b.textContent === 'Stop')!.click();
    }).observe(view, { attributes: true, attributeFilter: ['data-step'] });
  });
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(denoiseView(page)).toHaveAttribute('data-status', 'cancelled', { timeout: 60_000 });
  // Step 2 may already be running when Stop arrives; nothing after it.
  const stoppedAt = Number(await denoiseView(page).getAttribute('data-step'));
  expect(stoppedAt).toBeGreaterThanOrEqual(1);
  expect(stoppedAt).toBeLessThanOrEqual(3);
  await expect(page.getByText('Stopped.')).toBeVisible();

  await page.getByLabel('Steps', { exact: true }).fill('2');
  await generateAndWait(page);
  await expect(page.getByTestId('step-counter')).toHaveText(/^Step 2 \/ 2 · t = /);
});

test('a new Generate replaces the running one (latest request wins)', async ({ page }) => {
  await page.goto('./?backend=wasm&autorun=0#steps=100&seed=3');
  await waitForModel(page);
  const view = denoiseView(page);
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(view).toHaveAttribute('data-status', 'running');
  const first = await view.getAttribute('data-run');
  await page.getByLabel('Steps', { exact: true }).fill('3');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(view).not.toHaveAttribute('data-run', first!);
  await expect(view).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('step-counter')).toHaveText(/^Step 3 \/ 3 · t = /);
  await expect(page.getByTestId('run-params')).toContainText('3 steps');
});
