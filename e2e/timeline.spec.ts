/** One timeline: the reverse step and the forward t move together; replay controls; the schedule chart's ticks. */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { samplerTimesteps } from '../src/diffusion/schedule-curves.ts';
import { ddimTimesteps } from '../src/diffusion/schedule.ts';
import { parseManifest } from '../src/model/manifest.ts';
import { denoiseView, generateAndWait, openQuiet, recordSteps, recordedSteps, scheduleTicks, waitForModel } from './helpers.ts';

const TS = Array.from(ddimTimesteps(6, 1000)); // [999, 832, 666, 499, 332, 166]
const counter = (i: number) => `Step ${i + 1} / 6 · t = ${TS[i]}`;

test('scrubbing the reverse steps moves the forward t, and scrubbing the forward t shows the nearest step', async ({ page }) => {
  await openQuiet(page, 'steps=6&seed=1');
  await waitForModel(page);
  await generateAndWait(page);
  const showStep = page.getByLabel('Show step');
  const timestep = page.getByLabel('Timestep');

  await showStep.fill('2');
  await expect(page.getByTestId('step-counter')).toHaveText(counter(2));
  await expect(timestep).toHaveValue(String(TS[2]));
  await expect(page.getByTestId('schedule-step')).toHaveAttribute('data-t', String(TS[2]));
  await expect(showStep).toHaveAttribute('aria-valuetext', `step 3 of 6, t = ${TS[2]}`);

  await timestep.fill('420'); // nearest step: t = 499 (index 3)
  await expect(showStep).toHaveValue('3');
  await expect(page.getByTestId('step-counter')).toHaveText(counter(3));
  await expect(timestep).toHaveValue('420'); // the forward panel keeps its own t
  await expect(timestep).toHaveAttribute('aria-valuetext', /^t = 420 of 999, signal 0\.\d\d, noise 0\.\d\d$/);
  await timestep.fill('0');
  await expect(showStep).toHaveValue('5');
  await expect(page.getByTestId('step-counter')).toHaveText(counter(5));
});

test('Play replays a finished run step by step; Pause, step buttons and the keyboard (Space, ←, →) work', async ({ page }) => {
  await openQuiet(page, 'steps=6&seed=1');
  await waitForModel(page);
  await generateAndWait(page);
  await expect(page.getByText('Space')).toBeVisible(); // the shortcuts are listed

  await page.getByLabel('Replay speed').selectOption('20');
  await recordSteps(page);
  await page.getByRole('button', { name: 'Play' }).click(); // at the last step: restarts from the first
  await expect(page.getByRole('button', { name: 'Play' })).toBeVisible({ timeout: 10_000 }); // paused at the end
  expect(await recordedSteps(page)).toEqual(TS.map((_, i) => counter(i)));

  await page.getByRole('button', { name: 'Step back' }).click();
  await expect(page.getByTestId('step-counter')).toHaveText(counter(4));
  await page.getByRole('button', { name: 'Step forward' }).click();
  await expect(page.getByTestId('step-counter')).toHaveText(counter(5));

  // Keys act when the focus is on the page, not in a field.
  await page.locator('h1').click();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('step-counter')).toHaveText(counter(3));
  await expect(page.getByLabel('Timestep')).toHaveValue(String(TS[3]));
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('step-counter')).toHaveText(counter(4));

  // Space plays at 2 steps/s; Space again pauses before the end.
  await page.getByLabel('Replay speed').selectOption('2');
  await page.locator('h1').click();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft'); // step 1
  await page.keyboard.press(' ');
  await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
  await expect(page.getByTestId('step-counter')).toHaveText(counter(1));
  await page.keyboard.press(' ');
  await expect(page.getByRole('button', { name: 'Play' })).toBeVisible();
  const paused = await page.getByTestId('step-counter').textContent();
  await page.waitForTimeout(1500);
  await expect(page.getByTestId('step-counter')).toHaveText(paused!);
  expect(TS.map((_, i) => counter(i)).indexOf(paused!)).toBeLessThan(5);
});

test('scrubbing works during a run: the shown step stays where it was put while the run goes on', async ({ page }) => {
  // 100 steps: a few seconds even on a fast machine, so the run is still going while the test scrubs.
  await openQuiet(page, 'steps=100&seed=4');
  await waitForModel(page);
  const view = denoiseView(page);
  await page.getByRole('button', { name: 'Generate' }).click();
  // Steps can arrive faster than the page draws them: wait for any step past the second.
  await expect.poll(async () => Number(await view.getAttribute('data-step')), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
  await page.getByLabel('Show step').fill('0');
  await expect(page.getByTestId('step-counter')).toHaveText('Step 1 / 100 · t = 999');
  await expect(page.getByLabel('Timestep')).toHaveValue('999');
  expect(await view.getAttribute('data-status')).toBe('running');
  await page.waitForTimeout(1000);
  await expect(page.getByTestId('step-counter')).toHaveText('Step 1 / 100 · t = 999');
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(view).toHaveAttribute('data-status', 'cancelled');
});

test("the schedule chart's ticks are the sampler's timesteps (Karras spacing: the very t the run feeds the U-Net)", async ({ page }) => {
  const manifest = parseManifest(JSON.parse(readFileSync('public/models/manifest.json', 'utf8')));
  await openQuiet(page, 'prompt=cat%20face&steps=5&seed=5&sampler=dpmpp-2m&spacing=karras');
  await waitForModel(page);
  const expected = samplerTimesteps(manifest.schedule, 5, 'karras');
  expect(await scheduleTicks(page)).toEqual(expected);

  await recordSteps(page);
  await generateAndWait(page);
  const fed = (await recordedSteps(page)).map((s) => Number(/t = ([\d.]+)$/.exec(s)![1]));
  expect(fed).toEqual(expected.map((t) => Number(Number.isInteger(t) ? t : t.toFixed(1))));

  // Trailing spacing gives other ticks, and the log-SNR view draws the same ticks.
  await page.getByLabel('Sampler', { exact: true }).selectOption({ label: 'DPM++ 2M' });
  await expect.poll(() => scheduleTicks(page)).toEqual(Array.from(ddimTimesteps(5, 1000)));
  await page.getByRole('button', { name: 'log-SNR' }).click();
  await expect(page.getByTestId('schedule-chart')).toHaveAttribute('data-view', 'logsnr');
  await expect(page.getByTestId('log-snr')).toHaveText(/^-?\d+\.\d\d$/);
  expect(await scheduleTicks(page)).toEqual(Array.from(ddimTimesteps(5, 1000)));
});
