/** The page runs by itself: the default prompt on first load, a link's own settings on open (saying so); reduced motion shows only the result. */
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { denoiseView, LOAD_TIMEOUT, recordedSteps, recordStepsFromStart } from './helpers.ts';

const defaults = JSON.parse(readFileSync('public/models/manifest.json', 'utf8')).defaults as { prompt: string; steps: number; seed: number };

test('first load generates the default prompt without a click, and says so', async ({ page }) => {
  await page.goto('./?backend=wasm');
  const view = denoiseView(page);
  await expect(view).toHaveAttribute('data-status', 'done', { timeout: LOAD_TIMEOUT + 120_000 });
  await expect(page.getByTestId('run-note')).toHaveText(/Ran the default prompt on load/);
  await expect(page.getByTestId('run-params')).toContainText(`${defaults.prompt} · seed ${defaults.seed} · ${defaults.steps} steps`);
  await expect(view).toHaveAttribute('data-step', String(defaults.steps));
  // A run the person starts carries no note.
  await page.getByLabel('Steps', { exact: true }).fill('2');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('run-note')).toHaveText('');
});

test("a shared link runs its own settings on open, with a note that it ran", async ({ page }) => {
  await page.goto('./?backend=wasm#prompt=red%20apple&steps=3&seed=9&guidance=5');
  const view = denoiseView(page);
  await expect(view).toHaveAttribute('data-status', 'done', { timeout: LOAD_TIMEOUT });
  await expect(page.getByTestId('run-note')).toHaveText('Ran the settings from this link on open.');
  await expect(page.getByTestId('run-params')).toContainText('red apple · seed 9 · 3 steps · DDIM · guidance 5');
});

test('with prefers-reduced-motion the run shows its final frame only, not every step', async ({ page }) => {
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await recordStepsFromStart(page);
  await page.goto('./?backend=wasm#prompt=cat%20face&steps=4&seed=3');
  const view = denoiseView(page);
  await expect(view).toHaveAttribute('data-status', 'done', { timeout: LOAD_TIMEOUT });
  expect(await recordedSteps(page)).toEqual([expect.stringMatching(/^Step 4 \/ 4 · t = \d+$/)]);
  // Every step is still there to look at on request.
  await page.getByLabel('Show step').fill('0');
  await expect(page.getByTestId('step-counter')).toHaveText('Step 1 / 4 · t = 999');
});
