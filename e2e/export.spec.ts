/** Taking a run away: PNGs that decode to the canvas with the settings inside, a GIF of every step, a link. */
import { readFileSync } from 'node:fs';
import { expect, test, type Download, type Page } from '@playwright/test';
import { GifReader } from 'omggif';
import { generateAndWait, readCanvas, readPng, waitForModel, type Pixels } from './helpers.ts';

const STEPS = 4;

async function downloadBytes(page: Page, button: string): Promise<Uint8Array> {
  const [download]: [Download, void] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  return readFileSync((await download.path())!);
}

/** Mean per-channel difference (0..255) between a canvas and the w x h block at (left, 0) of a decoded GIF frame scaled `scale` times. */
function meanDiffScaled(canvas: Pixels, frame: Uint8Array, frameWidth: number, left: number, scale: number): number {
  let sum = 0;
  for (let y = 0; y < canvas.height; y++) {
    for (let x = 0; x < canvas.width; x++) {
      const g = 4 * (y * scale * frameWidth + left + x * scale);
      for (let c = 0; c < 3; c++) sum += Math.abs(frame[g + c] - canvas.data[4 * (y * canvas.width + x) + c]);
    }
  }
  return sum / (canvas.width * canvas.height * 3);
}

test('the finished run exports as PNG (64 and 512 px, settings inside), as a GIF of every step, and as a link', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto(`./?backend=wasm&autorun=0#prompt=red%20heart&steps=${STEPS}&seed=5&guidance=3`);
  await waitForModel(page);
  await expect(page.getByRole('button', { name: 'PNG 64 px' })).toBeDisabled();
  await generateAndWait(page);
  const final = await readCanvas(page, 'canvas-x0');

  // PNG at 64 px: exactly the canvas, with the run's settings as text chunks.
  const small = readPng(await downloadBytes(page, 'PNG 64 px'));
  expect([small.width, small.height]).toEqual([64, 64]);
  expect(Array.from(small.data)).toEqual(Array.from(final.data));
  expect(small.text).toMatchObject({ prompt: 'red heart', seed: '5', steps: String(STEPS), guidance: '3', sampler: 'ddim', spacing: 'trailing' });
  expect(decodeURIComponent(small.text.link)).toContain('#prompt=red%20heart&seed=5');

  // PNG at 512 px: every pixel an 8x8 block of the same colour.
  const large = readPng(await downloadBytes(page, 'PNG 512 px'));
  expect([large.width, large.height]).toEqual([512, 512]);
  for (const [x, y] of [[0, 0], [7, 7], [300, 41], [511, 511]]) {
    const big = Array.from(large.data.slice(4 * (y * 512 + x), 4 * (y * 512 + x) + 4));
    const src = Array.from(final.data.slice(4 * ((y >> 3) * 64 + (x >> 3)), 4 * ((y >> 3) * 64 + (x >> 3)) + 4));
    expect(big).toEqual(src);
  }

  // GIF: one frame per step, x_t | x̂0, each that step's canvases up to GIF's 256-colour palette (pure
  // noise in 256 colours is ~8 levels of 255 off on average; pictures far less), and each frame nearer
  // its own step than any other step.
  const gif = new GifReader(await downloadBytes(page, 'GIF of the steps'));
  expect(gif.numFrames()).toBe(STEPS);
  expect(gif.loopCount()).toBe(0);
  const scale = gif.height / 64;
  const frames = Array.from({ length: STEPS }, (_, k) => {
    const frame = new Uint8Array(gif.width * gif.height * 4);
    gif.decodeAndBlitFrameRGBA(k, frame);
    return frame;
  });
  for (let k = 0; k < STEPS; k++) {
    await page.getByLabel('Show step').fill(String(k));
    await expect(page.getByTestId('step-counter')).toContainText(`Step ${k + 1} / ${STEPS}`);
    const [xt, x0] = [await readCanvas(page, 'canvas-xt'), await readCanvas(page, 'canvas-x0')];
    const xtDiffs = frames.map((f) => meanDiffScaled(xt, f, gif.width, 0, scale));
    const x0Diffs = frames.map((f) => meanDiffScaled(x0, f, gif.width, 64 * scale, scale));
    console.log(`step ${k + 1}: GIF vs canvas mean diff x_t ${xtDiffs[k].toFixed(2)}, x̂0 ${x0Diffs[k].toFixed(2)} (0..255)`);
    expect(xtDiffs[k], `step ${k + 1} x_t`).toBeLessThan(12);
    expect(x0Diffs[k], `step ${k + 1} x̂0`).toBeLessThan(8);
    expect(Math.min(...xtDiffs.filter((_, j) => j !== k)), `frame ${k + 1} is step ${k + 1}'s x_t`).toBeGreaterThan(xtDiffs[k]);
  }

  // Copy link: the clipboard holds a link to this run's settings.
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByTestId('export-message')).toHaveText('Copied the link');
  const link = await page.evaluate(() => navigator.clipboard.readText());
  expect(link).toContain(`steps=${STEPS}`);
  expect(link).toContain('seed=5');
  expect(link).toContain('prompt=red%20heart');
});
