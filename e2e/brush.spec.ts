/**
 * Brush inpainting: a mask painted on the forward panel's image (with the mouse, or with the keyboard
 * rectangle) keeps those pixels of the source in the result (to 1/255), shows over the reverse view
 * during and after the run, and travels in the link: a fresh page opening it makes the same image.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { decodeMask } from '../src/diffusion/mask-codec.ts';
import { denoiseView, LOAD_TIMEOUT, readCanvas, waitForModel, type Pixels } from './helpers.ts';

const SIDE = 64;

/** Loads the page quietly with the cat face sample in the forward panel; returns that image's pixels. */
async function openWithSample(page: Page, hash = 'prompt=cat%20face&steps=6&seed=3&guidance=4'): Promise<Pixels> {
  await page.goto(`./?backend=wasm&autorun=0#${hash}`);
  await waitForModel(page);
  await expect(page.getByLabel('Image', { exact: true })).toHaveValue('0'); // Sample: cat face
  await expect.poll(async () => (await readCanvas(page, 'forward-x0')).data[3]).toBe(255);
  return readCanvas(page, 'forward-x0');
}

/** The painted mask the hash carries ([64, 64], 1 = keep). */
async function linkedMask(page: Page): Promise<Float32Array> {
  const hash = await page.evaluate(() => location.hash);
  const code = new URLSearchParams(hash.slice(1)).get('mask') ?? '';
  return decodeMask(code, SIDE);
}

/** Clicks Generate, checks the mask overlay shows while the run is under way, and waits for the run to end. */
async function generateWatchingOverlay(page: Page): Promise<void> {
  const view = denoiseView(page);
  const before = await view.getAttribute('data-run');
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(view).not.toHaveAttribute('data-run', before ?? '0');
  // The overlay comes with the run's settings, before its first step.
  await expect(page.getByTestId('mask-overlay-x0')).toBeVisible();
  await expect(page.getByTestId('mask-overlay-xt')).toBeVisible();
  await expect(view).toHaveAttribute('data-status', 'done', { timeout: LOAD_TIMEOUT });
  await expect(page.getByTestId('mask-overlay-x0')).toBeVisible();
}

/** Largest difference over kept pixels, and mean difference over regenerated ones (0..255 units). */
function compareByMask(result: Pixels, source: Pixels, mask: Float32Array): { keptMax: number; redrawnMean: number; redrawn: number } {
  let keptMax = 0;
  let sum = 0;
  let redrawn = 0;
  for (let p = 0; p < SIDE * SIDE; p++) {
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(result.data[4 * p + c] - source.data[4 * p + c]);
      if (mask[p] >= 0.5) keptMax = Math.max(keptMax, d);
      else sum += d;
    }
    if (mask[p] < 0.5) redrawn++;
  }
  return { keptMax, redrawnMean: redrawn ? sum / (3 * redrawn) : 0, redrawn };
}

test('a mask painted with the mouse keeps the unpainted pixels to 1/255, and its link makes the same image', async ({ page, browser }) => {
  const source = await openWithSample(page);
  await page.getByRole('button', { name: 'Paint mask' }).click();
  const editor = page.getByRole('application', { name: /Inpainting mask editor/ });
  await expect(editor).toBeVisible();
  await page.getByLabel('Brush size').fill('10');
  await editor.scrollIntoViewIfNeeded();
  const box = (await editor.boundingBox())!;
  const at = (fx: number, fy: number) => [box.x + fx * box.width, box.y + fy * box.height] as const;
  // A diagonal stroke over the face, then a dab; the mouse moves in steps, so the stroke is joined up.
  await page.mouse.move(...at(0.25, 0.3));
  await page.mouse.down();
  await page.mouse.move(...at(0.5, 0.45), { steps: 6 });
  await page.mouse.move(...at(0.7, 0.7), { steps: 6 });
  await page.mouse.up();
  await page.mouse.click(...at(0.8, 0.2));
  await expect(page.getByTestId('mask-status')).toContainText(/Regenerating [1-9]\d* of 4096 pixels/);
  await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/start=inpaint&.*keep=mask&mask=[A-Za-z0-9_-]+&/);
  await expect(page.getByLabel('Keep')).toHaveValue('mask');
  // The hash is written at most every 100 ms: wait until it carries the whole mask (stroke and dab), as the status counts it.
  const painted = Number((await page.getByTestId('mask-status').textContent())!.match(/Regenerating (\d+)/)![1]);
  await expect.poll(async () => (await linkedMask(page)).filter((m) => m < 0.5).length).toBe(painted);

  const mask = await linkedMask(page);
  const hash = await page.evaluate(() => location.hash);
  console.log(`painted mask: ${mask.filter((m) => m < 0.5).length} pixels to regenerate; link ${hash.length} characters, mask=${new URLSearchParams(hash.slice(1)).get('mask')!.length}`);
  // The stroke's middle is painted, a far corner is not.
  expect(mask[Math.floor(0.45 * SIDE) * SIDE + Math.floor(0.5 * SIDE)]).toBe(0);
  expect(mask[(SIDE - 2) * SIDE + 1]).toBe(1);

  await generateWatchingOverlay(page);
  await expect(page.getByTestId('run-params')).toContainText('inpaint keeping the painted mask');
  const result = await readCanvas(page, 'canvas-x0');
  const { keptMax, redrawnMean, redrawn } = compareByMask(result, source, mask);
  console.log(`kept pixels: max |result - source| = ${keptMax}; ${redrawn} redrawn pixels: mean |result - source| = ${redrawnMean.toFixed(2)} (0..255)`);
  expect(keptMax).toBeLessThanOrEqual(1);
  expect(redrawnMean).toBeGreaterThan(2);

  // The link, in a fresh page of its own (no shared storage): the same mask and the same image.
  const link = page.url();
  const context = await browser.newContext();
  const fresh = await context.newPage();
  await fresh.goto(link);
  await waitForModel(fresh);
  await expect(fresh.getByLabel('Keep')).toHaveValue('mask');
  await expect.poll(async () => (await readCanvas(fresh, 'forward-x0')).data[3]).toBe(255);
  await expect(fresh.getByTestId('mask-editor')).toBeVisible(); // the next run's mask over the source
  await generateWatchingOverlay(fresh);
  const again = await readCanvas(fresh, 'canvas-x0');
  let max = 0;
  for (let i = 0; i < again.data.length; i++) if (i % 4 !== 3) max = Math.max(max, Math.abs(again.data[i] - result.data[i]));
  console.log(`link reopened: max |image - first image| = ${max} (0..255)`);
  expect(max).toBeLessThanOrEqual(1);
  await context.close();
});

test('a mask made with the keyboard rectangle regenerates exactly that rectangle', async ({ page }) => {
  const source = await openWithSample(page);
  await page.getByRole('button', { name: 'Paint mask' }).click();
  const editor = page.getByRole('application', { name: /Inpainting mask editor/ });
  await expect(editor).toHaveAccessibleDescription(/arrows show and move a rectangle, Shift\+arrows resize it, Enter or Space/);
  await editor.focus();
  // The first arrow shows the rectangle (16x16 at 16,16); then 4 right, 2 down, 8 wider, 4 taller.
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('mask-status')).toContainText('Keyboard rectangle at x 16, y 16, 16 by 16 pixels');
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
  for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowDown');
  for (let i = 0; i < 8; i++) await page.keyboard.press('Shift+ArrowRight');
  for (let i = 0; i < 4; i++) await page.keyboard.press('Shift+ArrowDown');
  await expect(page.getByTestId('mask-status')).toContainText('rectangle at x 20, y 18, 24 by 20 pixels');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('mask-status')).toContainText('Regenerating 480 of 4096 pixels');
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('keep=mask&mask=');

  const mask = await linkedMask(page);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) expect(mask[y * SIDE + x], `${x},${y}`).toBe(x >= 20 && x < 44 && y >= 18 && y < 38 ? 0 : 1);
  }

  await generateWatchingOverlay(page);
  const { keptMax, redrawnMean } = compareByMask(await readCanvas(page, 'canvas-x0'), source, mask);
  // The editor's arrows and Space are its own: the replay shortcuts (on window) do not step or play the run.
  // Both shortcuts act synchronously on keydown, so the page shows their effect as soon as press() returns.
  await editor.focus();
  await page.keyboard.press('ArrowLeft');
  expect(await page.getByTestId('step-counter').textContent()).toMatch(/^Step 6 \/ 6/);
  await page.keyboard.press('Space');
  expect(await page.getByRole('button', { name: 'Play', exact: true }).count()).toBe(1);
  await expect(page.getByTestId('mask-status')).toContainText('rectangle at x 20, y 18');
  console.log(`keyboard mask: kept max |result - source| = ${keptMax}; redrawn mean ${redrawnMean.toFixed(2)} (0..255)`);
  expect(keptMax).toBeLessThanOrEqual(1);
  expect(redrawnMean).toBeGreaterThan(2);
});

test('Invert and Clear edit the mask; a broken mask in a link falls back to the left half with a notice', async ({ page }) => {
  await openWithSample(page);
  await page.getByRole('button', { name: 'Paint mask' }).click();
  await page.getByRole('button', { name: 'Invert' }).click();
  await expect(page.getByTestId('mask-status')).toContainText('Regenerating 4096 of 4096 pixels (100%)');
  await page.getByRole('button', { name: 'Erase', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Erase', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('button', { name: 'Clear' }).click();
  await expect(page.getByTestId('mask-status')).toContainText('Regenerating 0 of 4096 pixels (0%)');

  await page.goto('about:blank'); // a new load, not a hash change of the same page
  await page.goto('./?backend=wasm&autorun=0#start=inpaint&keep=mask&mask=AQ_broken');
  await expect(page.getByTestId('url-problems')).toContainText(/mask: .+; using no mask/);
  await expect(page.getByTestId('url-problems')).toContainText('keep: "mask" needs a painted mask in the mask field; using left');
  await expect(page.getByLabel('Keep')).toHaveValue('left');
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`axe: 0 violations with the mask tools open and a painted-mask run shown (${colorScheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    await openWithSample(page, 'steps=2&seed=1');
    await page.getByRole('button', { name: 'Paint mask' }).click();
    await page.getByRole('application', { name: 'Inpainting mask editor' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('mask-status')).toContainText('Regenerating 256 of 4096 pixels');
    await generateWatchingOverlay(page);
    const result = await new AxeBuilder({ page }).analyze();
    expect(result.passes.length).toBeGreaterThan(10); // axe really ran its rules
    expect(result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
  });
}

test('on a 390x844 phone the mask editor takes the width without overflowing, and paints', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await openWithSample(page);
  await page.getByRole('button', { name: 'Paint mask' }).click();
  const editor = page.getByRole('application', { name: 'Inpainting mask editor' });
  await editor.scrollIntoViewIfNeeded();
  const box = (await editor.boundingBox())!;
  expect(box.width).toBeGreaterThanOrEqual(300);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.5, { steps: 8 });
  await page.mouse.up();
  await expect(page.getByTestId('mask-status')).not.toContainText('Regenerating 0 of');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});
