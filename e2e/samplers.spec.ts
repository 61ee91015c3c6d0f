/** Sampler settings: read from the link, shown in the panel, sent to the worker, written back to the hash. */
import { expect, test } from '@playwright/test';
import { denoiseView, generateAndWait, recordSteps, recordedSteps, waitForModel } from './helpers.ts';

test('a link with DPM++ 2M Karras, guidance rescale and a negative prompt runs it; the Sampler select switches', async ({ page }) => {
  await page.goto('./?backend=wasm&autorun=0#prompt=cat%20face&steps=4&seed=5&sampler=dpmpp-2m&spacing=karras&rescale=0.7&negative=dark');
  await waitForModel(page);
  const select = page.getByLabel('Sampler', { exact: true });
  await expect(select).toHaveValue('dpmpp-2m|karras');
  await expect(page.getByLabel('Negative prompt')).toHaveValue('dark');
  await expect(page.getByLabel('Guidance rescale')).toHaveValue('0.7');
  await expect(page.getByRole('slider', { name: 'Eta', exact: true })).toHaveCount(0); // DDIM only

  await recordSteps(page);
  await generateAndWait(page);
  const steps = await recordedSteps(page);
  expect(steps).toHaveLength(4);
  expect(steps[0]).toMatch(/^Step 1 \/ 4 · t = 999(\.0)?$/);
  expect(steps.slice(1, 3).every((s) => /t = \d+\.\d$/.test(s))).toBe(true); // Karras: fractional timesteps
  await expect(page.getByTestId('run-params')).toContainText('DPM++ 2M Karras · guidance 4 (rescale 0.7)');
  await expect(page.getByTestId('run-params')).toContainText('· not dark');

  // DDIM cannot use Karras spacing: choosing it resets the spacing, and its eta slider appears.
  await select.selectOption({ label: 'DDIM' });
  await page.getByRole('slider', { name: 'Eta', exact: true }).fill('0.5');
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('sampler=ddim&spacing=trailing&eta=0.5');
  await generateAndWait(page);
  await expect(denoiseView(page)).toHaveAttribute('data-step', '4');
  await expect(page.getByTestId('run-params')).toContainText('DDIM eta 0.5');
});
