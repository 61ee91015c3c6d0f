/**
 * Issue 8, items 4-6: the architecture view shows the real tensors of a step (its ε̂ of each branch
 * and the guided ε̂ satisfy the guidance formula on the page's own downloadable data), and the
 * training view's loss term equals PyTorch's for a fixed image, t and seed; its sweep draws both curves.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { generateAndWait, LOAD_TIMEOUT, waitForModel } from './helpers.ts';

// Model load, a generation and a 48-row sweep on a loaded 2-core machine: generous limits.
test.describe.configure({ timeout: 6 * 60_000 });

const fixture = JSON.parse(readFileSync(new URL('../src/fixtures/training-loss.json', import.meta.url), 'utf8')) as {
  cases: { image: string; t: number; seed: number; prompt: string; mse_v: number; mse_eps: number }[];
};

test('the architecture view\'s ε̂ without and with the prompt and the guided ε̂ satisfy ε̂ = ε̂_∅ + w (ε̂_c − ε̂_∅)', async ({ page }) => {
  await page.goto('./?backend=wasm&autorun=0#steps=4&seed=3&guidance=5&sampler=ddpm');
  await waitForModel(page);
  await page.getByLabel('Prompt', { exact: true }).fill('red apple');
  await generateAndWait(page);
  await page.getByRole('tab', { name: 'Inside a step' }).click();
  const view = page.getByTestId('inside-view');
  await expect(view).toHaveAttribute('data-step', '4');
  // The prompt's tokens, with their ids and kinds.
  const chips = page.getByTestId('token-chips');
  await expect(chips).toContainText('red');
  await expect(chips.locator('.chip-caption')).toHaveCount(2);

  // Rewind to step 2 (a stochastic step: DDPM injects fresh noise) and download its tensors.
  await page.getByLabel('Show step').fill('1');
  await expect(view).toHaveAttribute('data-step', '2');
  const [download] = await Promise.all([page.waitForEvent('download'), view.getByRole('button', { name: /Download this step/ }).click()]);
  const step = JSON.parse(readFileSync((await download.path())!, 'utf8'));
  expect(step.step).toBe(2);
  expect(step.guidance).toBe(5);
  const { eps_uncond: u, eps_cond: c, eps_guided: g } = step as Record<string, number[]>;
  expect(u).toHaveLength(3 * 64 * 64);
  let worst = 0;
  for (let i = 0; i < u.length; i++) worst = Math.max(worst, Math.abs(g[i] - (u[i] + 5 * (c[i] - u[i]))));
  expect(worst).toBeLessThan(1e-5);
  // The guided ε̂ is the one the sampler stepped with, wherever its x̂0 needed no clipping.
  const { eps_sampler: e, x0_hat: x0 } = step as Record<string, number[]>;
  const unclipped = x0.map((x, i) => (Math.abs(x) < 1 ? i : -1)).filter((i) => i >= 0);
  expect(unclipped.length).toBeGreaterThan(1000);
  for (const i of unclipped) expect(Math.abs(e[i] - g[i])).toBeLessThan(1e-4);
  // The branches differ (the prompt matters) and the step drew fresh noise.
  expect(Math.max(...u.map((x, i) => Math.abs(x - c[i])))).toBeGreaterThan(1e-3);
  expect(step.noise).toHaveLength(3 * 64 * 64);

  // Clicking a block opens its formula.
  await view.getByRole('button', { name: /guided ε̂/ }).click();
  await expect(page.getByTestId('inside-detail')).toContainText('ε̂ = ε̂_∅ + w · (ε̂_c − ε̂_∅),  w = 5');
});

test('the training view\'s loss term equals PyTorch\'s, and the sweep draws both curves', async ({ page }) => {
  const c = fixture.cases[0];
  await page.goto('./?backend=wasm&autorun=0');
  await waitForModel(page);
  await page.getByRole('tab', { name: 'Training' }).click();
  const view = page.getByTestId('training-view');
  await view.getByLabel('Training image').selectOption({ label: 'Sample: cat face' });
  await view.getByLabel('Caption').fill(c.prompt);
  await view.getByLabel('Noise seed').fill(String(c.seed));
  await view.getByLabel(/t \(noise level\)/).fill(String(c.t));
  const mse = page.getByTestId('mse-v');
  await expect(mse).not.toHaveAttribute('data-value', '', { timeout: LOAD_TIMEOUT });
  const value = Number(await mse.getAttribute('data-value'));
  expect(Math.abs(value / c.mse_v - 1), `page ${value} vs PyTorch ${c.mse_v}`).toBeLessThan(1e-4);
  await expect(mse).toHaveText(value.toFixed(6)); // the readout a user sees is the same number
  const eps = Number(await page.getByTestId('mse-eps').getAttribute('data-value'));
  expect(Math.abs(eps / c.mse_eps - 1)).toBeLessThan(1e-4);

  await view.getByRole('button', { name: /Sweep t/ }).click();
  const chart = page.getByTestId('sweep-chart');
  await expect(chart).toBeVisible({ timeout: LOAD_TIMEOUT });
  for (const series of ['cond', 'uncond']) {
    const points = chart.locator(`[data-series="${series}"] circle`);
    expect(await points.count()).toBeGreaterThanOrEqual(20);
    const values = await points.evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('data-mse'))));
    expect(values.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
  }
});
