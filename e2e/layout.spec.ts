/** One screen: the prompt, Generate and the reverse canvases in view at 1280x800 and on a 390x844 phone; nothing moves during a run. */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { denoiseView, generateAndWait, openQuiet, waitForModel } from './helpers.ts';

/** Whether the element's box lies wholly inside the viewport. */
async function inView(page: Page, locator: Locator): Promise<boolean> {
  const box = (await locator.boundingBox())!;
  const { width, height } = page.viewportSize()!;
  return box.x >= 0 && box.y >= 0 && box.x + box.width <= width && box.y + box.height <= height;
}

const canvases = (page: Page) => ['canvas-xt', 'canvas-eps', 'canvas-x0'].map((id) => page.getByTestId(id));

test('at 1280x800 the prompt, Generate and the three reverse canvases are on the first screen', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await openQuiet(page);
  await expect(page.getByTestId('alpha-bar')).not.toHaveText('–');
  for (const target of [page.getByLabel('Prompt', { exact: true }), page.getByRole('button', { name: 'Generate' }), ...canvases(page)]) {
    expect(await inView(page, target), await target.evaluate((e) => e.outerHTML.slice(0, 80))).toBe(true);
  }
  expect(await page.evaluate(() => scrollY)).toBe(0);
});

test('on a 390x844 phone Generate is in reach without scrolling, stays there, and each canvas is at least 160 px wide', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await openQuiet(page);
  await expect(page.getByTestId('alpha-bar')).not.toHaveText('–');
  const generate = page.getByRole('button', { name: 'Generate' });
  expect(await inView(page, page.getByLabel('Prompt', { exact: true }))).toBe(true);
  expect(await inView(page, generate)).toBe(true);
  for (const canvas of canvases(page)) expect((await canvas.boundingBox())!.width).toBeGreaterThanOrEqual(160);
  // Scrolled down to the last settings, Generate is still on screen (a bar pinned to the bottom).
  await page.getByLabel('Start from').scrollIntoViewIfNeeded();
  expect(await page.evaluate(() => scrollY)).toBeGreaterThan(400);
  expect(await inView(page, generate)).toBe(true);
  // ...and does not hide the control scrolled to.
  const bar = (await page.locator('.actions').boundingBox())!;
  const select = (await page.getByLabel('Start from').boundingBox())!;
  expect(select.y + select.height).toBeLessThanOrEqual(bar.y);
  // Nothing is wider than the phone.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});

test('nothing moves while the model loads and while a run goes: no layout shift, the reverse card keeps its box', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await openQuiet(page, 'steps=4&seed=2');
  const card = denoiseView(page);
  const loading = (await card.boundingBox())!;
  await waitForModel(page);
  expect((await card.boundingBox())!.y).toBe(loading.y); // the load progress bar's slot keeps its height
  await page.evaluate(() => {
    const shifts: { value: number; nodes: string[] }[] = [];
    (window as unknown as { __shifts: typeof shifts }).__shifts = shifts;
    type Shift = { value: number; sources: { node?: Node }[] };
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as unknown as Shift[]) {
        const nodes = entry.sources.map((s) => (s.node instanceof Element ? s.node.outerHTML.slice(0, 60) : String(s.node?.textContent)));
        shifts.push({ value: entry.value, nodes });
      }
    }).observe({ type: 'layout-shift' });
  });
  const before = (await card.boundingBox())!;
  await generateAndWait(page);
  const after = (await card.boundingBox())!;
  expect(after, `before ${JSON.stringify(before)}`).toEqual(before);
  const shifts = await page.evaluate(() => (window as unknown as { __shifts: { value: number; nodes: string[] }[] }).__shifts);
  expect(shifts, 'layout shifts during the run').toEqual([]);
});
