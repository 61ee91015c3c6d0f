/** Branch here: a run continued from step k with another prompt shares steps 1..k+1 exactly, and its link reproduces it. */
import { expect, test, type Page } from '@playwright/test';
import { denoiseView, generateAndWait, maxAbsDiff, readCanvas, waitForModel, type Pixels } from './helpers.ts';

const STEPS = 6;
const AT = 2; // 0-based: steps 1..3 are shared

async function showStep(page: Page, k: number): Promise<{ xt: Pixels; x0: Pixels }> {
  await page.getByLabel('Show step').fill(String(k));
  await expect(page.getByTestId('step-counter')).toContainText(`Step ${k + 1} / ${STEPS}`);
  return { xt: await readCanvas(page, 'canvas-xt'), x0: await readCanvas(page, 'canvas-x0') };
}

test('a branch at step 3 shares steps 1-3 with its parent bit for bit, then follows its own prompt; its link reruns it', async ({ page, browser }) => {
  test.setTimeout(360_000); // three runs and two page loads
  await page.goto(`./?backend=wasm&autorun=0#prompt=cat%20face&steps=${STEPS}&seed=3&guidance=4`);
  await waitForModel(page);
  await expect(page.getByRole('button', { name: 'Branch here' })).toBeDisabled();
  await generateAndWait(page);
  const parent = [];
  for (let k = 0; k < STEPS; k++) parent.push(await showStep(page, k));

  await showStep(page, AT);
  await page.getByRole('button', { name: 'Branch here' }).click();
  await expect(page.getByRole('group', { name: `Branch after step ${AT + 1} of ${STEPS}` })).toBeVisible();
  await page.getByLabel('Branch prompt').fill('red heart');
  await page.getByLabel('Branch guidance').fill('6');
  const before = await denoiseView(page).getAttribute('data-run');
  await page.getByRole('button', { name: 'Run branch' }).click();
  await expect(denoiseView(page)).not.toHaveAttribute('data-run', before!);
  await expect(denoiseView(page)).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(page.getByTestId('branch')).toContainText(`steps 1–${AT + 1} are its parent’s (“cat face”), exactly; from step ${AT + 2} it follows “red heart”`);

  const branch = [];
  for (let k = 0; k < STEPS; k++) branch.push(await showStep(page, k));
  for (let k = 0; k <= AT; k++) {
    expect(maxAbsDiff(branch[k].xt, parent[k].xt), `step ${k + 1} x_t`).toBe(0);
    expect(maxAbsDiff(branch[k].x0, parent[k].x0), `step ${k + 1} x̂0`).toBe(0);
  }
  expect(maxAbsDiff(branch[AT + 1].xt, parent[AT + 1].xt), 'the branch starts from the shared x_t').toBe(0);
  expect(maxAbsDiff(branch[STEPS - 1].x0, parent[STEPS - 1].x0), 'the branch ends elsewhere').toBeGreaterThan(16);

  // The link carries parent + branch point + branch; opened fresh (auto-run on), it makes the same image.
  await expect.poll(() => page.evaluate(() => location.hash)).toContain(`fork=${AT}&fork_prompt=red%20heart&fork_negative=&fork_guidance=6`);
  const link = new URL(await page.evaluate(() => location.href));
  link.searchParams.delete('autorun');
  const fresh = await browser.newPage();
  await fresh.goto(link.href);
  await waitForModel(fresh);
  await expect(denoiseView(fresh)).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(fresh.getByTestId('step-counter')).toContainText(`Step ${STEPS} / ${STEPS}`);
  expect(maxAbsDiff(await readCanvas(fresh, 'canvas-x0'), branch[STEPS - 1].x0)).toBe(0);
  await fresh.close();
});
