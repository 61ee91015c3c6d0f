/** The history strip: finished runs come back with their settings and image, across a reload, until cleared. */
import { expect, test } from '@playwright/test';
import { denoiseView, generateAndWait, maxAbsDiff, readCanvas, waitForModel } from './helpers.ts';

test('the history restores a run (frames from memory, or rerun after a reload) and can be cleared', async ({ page }) => {
  await page.goto('./?backend=wasm&autorun=0#steps=3&seed=4&guidance=3');
  await waitForModel(page);
  const prompt = page.getByLabel('Prompt', { exact: true });
  await prompt.fill('red heart');
  await generateAndWait(page);
  const heart = await readCanvas(page, 'canvas-x0');
  await prompt.fill('cat face');
  await page.getByLabel('Seed', { exact: true }).fill('8');
  await generateAndWait(page);

  const strip = page.getByRole('region', { name: 'History' });
  const items = strip.getByRole('button', { name: /^Restore run: / });
  await expect(items).toHaveCount(2);
  await expect(items.first()).toHaveAttribute('title', /"cat face", seed 8, 3 steps/);

  // Restore the older run: its settings go back into the form and its frames onto the canvases at once.
  await strip.getByRole('button', { name: 'Restore run: "red heart"' }).click();
  await expect(prompt).toHaveValue('red heart');
  await expect(page.getByLabel('Seed', { exact: true })).toHaveValue('4');
  await expect(denoiseView(page)).toHaveAttribute('data-status', 'done');
  expect(maxAbsDiff(await readCanvas(page, 'canvas-x0'), heart)).toBe(0);

  // After a reload the strip is still there (settings and thumbnails from IndexedDB); a restored run regenerates.
  await page.reload();
  await waitForModel(page);
  await expect(items).toHaveCount(2);
  await expect(items.last()).toHaveAttribute('title', /"red heart", seed 4, 3 steps, DDIM, guidance 3 \(runs again\)/);
  await items.last().click();
  await expect(prompt).toHaveValue('red heart');
  await expect(denoiseView(page)).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  expect(maxAbsDiff(await readCanvas(page, 'canvas-x0'), heart)).toBeLessThanOrEqual(1);

  // Clear: gone now and after a reload.
  await strip.getByRole('button', { name: 'Clear history' }).click();
  await expect(strip).toHaveCount(0);
  await page.reload();
  await waitForModel(page);
  await expect(page.getByRole('region', { name: 'History' })).toHaveCount(0);
});
