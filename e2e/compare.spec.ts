/**
 * Compare (A/B): two runs side by side in one worker, both advancing; each equals a single run of the
 * same settings to 1/255; the difference view is |A − B|; one slider moves both (B by the same
 * fraction of its run); the link reopens the comparison.
 */
import { expect, test, type Page } from '@playwright/test';
import { denoiseView, generateAndWait, maxAbsDiff, openQuiet, readCanvas, waitForModel, type Pixels } from './helpers.ts';

const A = 'prompt=cat%20face&seed=3&steps=4&guidance=4';
const B = 'b_prompt=red%20heart&b_seed=5&b_steps=5&b_guidance=6&b_sampler=dpmpp-2m';

const compare = (page: Page) => page.getByTestId('compare');

/** Per channel: how far the difference canvas is from |A − B| of the two canvases, at most. */
function diffError(a: Pixels, b: Pixels, d: Pixels): number {
  let worst = 0;
  for (let i = 0; i < a.data.length; i++) if (i % 4 !== 3) worst = Math.max(worst, Math.abs(d.data[i] - Math.abs(a.data[i] - b.data[i])));
  return worst;
}

/** Records, inside the page, every (A step, B step) pair the compare view shows. */
async function recordPairs(page: Page) {
  await compare(page).evaluate((root) => {
    const seen: string[] = [];
    (window as unknown as { __pairs: string[] }).__pairs = seen;
    new MutationObserver(() => seen.push(`${root.dataset.stepA}/${root.dataset.stepB}`)).observe(root, { attributeFilter: ['data-step-a', 'data-step-b'] });
  });
}

test('compare runs A and B to completion, each equal to a single run of its settings; |A-B| and lockstep hold; the link reopens it', async ({ page, browser }) => {
  test.setTimeout(480_000); // 4 + 5 steps three times, two page loads
  await openQuiet(page, `${A}&cmp=1&${B}`);
  await waitForModel(page);
  await page.getByRole('tab', { name: 'Compare A/B' }).click();
  await expect(page.getByLabel('Compare two runs side by side (A/B)')).toBeChecked();
  await expect(page.getByLabel('B prompt')).toHaveValue('red heart');
  await recordPairs(page);

  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(compare(page)).toHaveAttribute('data-status-a', 'done', { timeout: 180_000 });
  await expect(compare(page)).toHaveAttribute('data-status-b', 'done', { timeout: 180_000 });
  await expect(compare(page)).toHaveAttribute('data-step-b', '5');
  await expect(compare(page)).toHaveAttribute('data-step-a', '4');
  // Both advanced together: B had frames on screen while A was still running (its steps take turns, not after A's).
  const pairs = await page.evaluate(() => (window as unknown as { __pairs: string[] }).__pairs);
  expect(pairs.some((p) => Number(p.split('/')[0]) < 4 && Number(p.split('/')[1]) > 0), pairs.join(' ')).toBe(true);

  const a = await readCanvas(page, 'compare-a');
  const b = await readCanvas(page, 'compare-b');
  const d = await readCanvas(page, 'compare-diff');
  expect(maxAbsDiff(a, await readCanvas(page, 'canvas-x0')), 'A is the run in the reverse view').toBe(0);
  expect(maxAbsDiff(a, b), 'A and B differ').toBeGreaterThan(16);
  expect(diffError(a, b, d), 'the difference view is |A - B|').toBeLessThanOrEqual(1);
  await expect(page.getByTestId('compare-mapping')).toContainText('A has 4 steps and B 5');

  // One slider moves both: B shows the step at the same fraction of its run.
  for (const [k, stepB] of [[0, 1], [1, 2], [2, 4], [3, 5]]) {
    await page.getByLabel('Show step').fill(String(k));
    await expect(compare(page)).toHaveAttribute('data-step-a', String(k + 1));
    await expect(compare(page)).toHaveAttribute('data-step-b', String(stepB));
  }

  // The link carries the comparison; opened fresh (auto-run on), it runs both again to the same images.
  await expect.poll(() => page.evaluate(() => location.hash)).toContain(`cmp=1&${B}`);
  const link = new URL(await page.evaluate(() => location.href));
  link.searchParams.delete('autorun');
  const fresh = await browser.newPage();
  await fresh.goto(link.href);
  await waitForModel(fresh);
  await fresh.getByRole('tab', { name: 'Compare A/B' }).click();
  await expect(compare(fresh)).toHaveAttribute('data-status-b', 'done', { timeout: 180_000 });
  await expect(compare(fresh)).toHaveAttribute('data-status-a', 'done', { timeout: 180_000 });
  expect(maxAbsDiff(await readCanvas(fresh, 'compare-a'), a), 'reopened A').toBeLessThanOrEqual(1);
  expect(maxAbsDiff(await readCanvas(fresh, 'compare-b'), b), 'reopened B').toBeLessThanOrEqual(1);
  await fresh.close();

  // Two single runs of the same settings give the same pictures (to 1/255).
  await page.getByLabel('Compare two runs side by side (A/B)').uncheck();
  await generateAndWait(page, 180_000);
  await expect(page.getByTestId('step-counter')).toContainText('Step 4 / 4');
  expect(maxAbsDiff(await readCanvas(page, 'canvas-x0'), a), 'single run of A').toBeLessThanOrEqual(1);
  await page.evaluate(() => (location.hash = 'prompt=red%20heart&seed=5&steps=5&guidance=6&sampler=dpmpp-2m'));
  await expect(page.getByLabel('Prompt', { exact: true })).toHaveValue('red heart');
  await generateAndWait(page, 180_000);
  await expect(page.getByTestId('step-counter')).toContainText('Step 5 / 5');
  expect(maxAbsDiff(await readCanvas(page, 'canvas-x0'), b), 'single run of B').toBeLessThanOrEqual(1);
  await expect(denoiseView(page)).toHaveAttribute('data-status', 'done');
});

test('the compare view on a 390x844 phone fits its width and has no axe violations, light and dark', async ({ page }) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 390, height: 844 });
  await openQuiet(page, 'prompt=cat%20face&seed=1&steps=2&guidance=4');
  await waitForModel(page);
  await page.getByRole('tab', { name: 'Compare A/B' }).click();
  await page.getByLabel('Compare two runs side by side (A/B)').check();
  // B starts as A with the next seed.
  await expect(page.getByLabel('B prompt')).toHaveValue('cat face');
  await expect(page.getByLabel('B seed')).toHaveValue('2');
  await page.getByLabel('B steps').fill('3');
  await page.getByLabel('B steps').press('Enter');
  await page.getByRole('button', { name: 'Run A and B' }).click();
  await expect(compare(page)).toHaveAttribute('data-status-b', 'done', { timeout: 180_000 });
  await expect(page.getByTestId('compare-mapping')).toContainText('A has 2 steps and B 3');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  const { default: AxeBuilder } = await import('@axe-core/playwright');
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const result = await new AxeBuilder({ page }).analyze();
    expect(result.passes.length).toBeGreaterThan(10);
    expect(result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), colorScheme).toEqual([]);
  }
});

test('Stop ends both runs of a comparison, and a new Generate replaces a running one', async ({ page }) => {
  test.setTimeout(240_000);
  // 100 steps each: still running while the test acts.
  await openQuiet(page, 'prompt=cat%20face&seed=1&steps=100&guidance=4&cmp=1&b_prompt=red%20heart&b_seed=2&b_steps=100&b_guidance=4&b_sampler=ddim');
  await waitForModel(page);
  await page.getByRole('tab', { name: 'Compare A/B' }).click();
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect.poll(async () => Number(await compare(page).getAttribute('data-step-b')), { timeout: 90_000 }).toBeGreaterThanOrEqual(2);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(compare(page)).toHaveAttribute('data-status-a', 'cancelled');
  await expect(compare(page)).toHaveAttribute('data-status-b', 'cancelled');
  const stepsB = Number(await compare(page).getAttribute('data-step-b'));
  await page.waitForTimeout(1500);
  expect(Number(await compare(page).getAttribute('data-step-b')), 'B does not go on after Stop').toBe(stepsB);

  // A new comparison replaces a running one: the old one's frames never show up in it.
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect.poll(async () => Number(await compare(page).getAttribute('data-step-b')), { timeout: 90_000 }).toBeGreaterThanOrEqual(1);
  const firstRun = await denoiseView(page).getAttribute('data-run');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(denoiseView(page)).not.toHaveAttribute('data-run', firstRun!);
  await expect.poll(async () => Number(await compare(page).getAttribute('data-step-b')), { timeout: 90_000 }).toBeGreaterThanOrEqual(1);
  expect(Number(await compare(page).getAttribute('data-step-b'))).toBeLessThan(20);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(compare(page)).toHaveAttribute('data-status-b', 'cancelled');

  // B with more steps outlasts A: Stop still ends it.
  await page.evaluate(() => (location.hash = 'prompt=cat%20face&seed=1&steps=2&guidance=4&cmp=1&b_prompt=red%20heart&b_seed=2&b_steps=100&b_guidance=4'));
  await expect(page.getByLabel('B steps')).toHaveValue('100');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(compare(page)).toHaveAttribute('data-status-a', 'done', { timeout: 90_000 });
  await expect(compare(page)).toHaveAttribute('data-status-b', 'running');
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(compare(page)).toHaveAttribute('data-status-b', 'cancelled');
});
