/** Shared steps and pixel maths for the e2e specs. */
import { readFileSync } from 'node:fs';
import { expect, type Page } from '@playwright/test';
import { decode } from 'fast-png';
import { highFrequencyEnergy, rgbaToChw } from '../src/diffusion/image.ts';

/** Model load (download + session creation) on a 2-core machine; WebGPU on SwiftShader is slower. */
export const LOAD_TIMEOUT = 120_000;

/** RGBA pixels of a canvas found by data-testid. */
export interface Pixels {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export async function readCanvas(page: Page, testId: string): Promise<Pixels> {
  const { width, height, data } = await page.getByTestId(testId).evaluate((canvas: HTMLCanvasElement) => {
    const ctx = canvas.getContext('2d')!;
    return { width: canvas.width, height: canvas.height, data: Array.from(ctx.getImageData(0, 0, canvas.width, canvas.height).data) };
  });
  return { width, height, data: new Uint8ClampedArray(data) };
}

/** Pixels of a PNG file or its bytes (any 8-bit RGB or RGBA PNG, decoded by fast-png), as RGBA like a canvas. */
export function readPng(source: string | Uint8Array): Pixels & { text: Record<string, string> } {
  const png = decode(typeof source === 'string' ? readFileSync(source) : source);
  if (png.depth !== 8 || (png.channels !== 3 && png.channels !== 4)) throw new Error(`not an 8-bit RGB(A) PNG: ${png.channels} channels, depth ${png.depth}`);
  const data = new Uint8ClampedArray(png.width * png.height * 4); // [H, W, 4]
  for (let p = 0; p < png.width * png.height; p++) {
    for (let c = 0; c < 3; c++) data[4 * p + c] = png.data[png.channels * p + c];
    data[4 * p + 3] = png.channels === 4 ? png.data[4 * p + 3] : 255;
  }
  return { width: png.width, height: png.height, data, text: png.text };
}

/** High-frequency energy (see src/diffusion/image.ts) of a canvas's RGB in [-1, 1]: ~1.2 for clipped noise, ~0 for flat colour. */
export function canvasHfe(p: Pixels): number {
  return highFrequencyEnergy(rgbaToChw(p.data, p.width, p.height), p.width, p.height);
}

/** Largest per-channel difference between two canvases, in 0..255 units (alpha ignored). */
export function maxAbsDiff(a: Pixels, b: Pixels): number {
  expect(a.data.length).toBe(b.data.length);
  let max = 0;
  for (let i = 0; i < a.data.length; i++) if (i % 4 !== 3) max = Math.max(max, Math.abs(a.data[i] - b.data[i]));
  return max;
}

/** Mean per-channel difference, in 0..255 units. */
export function meanAbsDiff(a: Pixels, b: Pixels): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) if (i % 4 !== 3) sum += Math.abs(a.data[i] - b.data[i]);
  return sum / ((a.data.length / 4) * 3);
}

/** Waits until the models are loaded; returns which backend the badge names. */
export async function waitForModel(page: Page): Promise<string> {
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-backend', /^(wasm|webgpu)$/, { timeout: LOAD_TIMEOUT });
  return (await badge.getAttribute('data-backend'))!;
}

/** The denoising view (carries data-status and data-step). */
export const denoiseView = (page: Page) => page.getByRole('region', { name: 'Denoising' });

/**
 * Records every text the step counter shows, in order, from inside the page (a MutationObserver sees
 * each change even when steps arrive faster than the test could poll). Read it with `recordedSteps`.
 */
export async function recordSteps(page: Page): Promise<void> {
  await page.getByTestId('step-counter').evaluate((counter) => {
    const seen: string[] = [];
    (window as unknown as { __steps: string[] }).__steps = seen;
    new MutationObserver((records) => {
      for (const r of records) for (const node of r.addedNodes) seen.push(node.textContent ?? '');
    }).observe(counter, { childList: true, characterData: true, subtree: true });
  });
}

export async function recordedSteps(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __steps: string[] }).__steps);
}

/** Clicks Generate and waits for that run (a new `data-run` id) to finish. */
export async function generateAndWait(page: Page, timeout = LOAD_TIMEOUT): Promise<void> {
  const view = denoiseView(page);
  const before = await view.getAttribute('data-run');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(view).not.toHaveAttribute('data-run', before ?? '0');
  await expect(view).toHaveAttribute('data-status', 'done', { timeout });
}

/** Opens the page without its auto-run: `hash` without '#'. */
export async function openQuiet(page: Page, hash = ''): Promise<void> {
  await page.goto(`./?backend=wasm&autorun=0${hash ? `#${hash}` : ''}`);
}

/**
 * Records, from the first script of the page on, every text the step counter shows (read it with
 * `recordedSteps`): for runs that start by themselves, before a test could attach `recordSteps`.
 */
export async function recordStepsFromStart(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __steps: string[] }).__steps = seen;
    new MutationObserver(() => {
      const counter = document.querySelector('[data-testid="step-counter"]');
      const text = counter?.textContent ?? '';
      if (counter && text !== '' && text !== seen.at(-1) && !text.startsWith('Step 0 ')) seen.push(text);
    }).observe(document, { childList: true, characterData: true, subtree: true });
  });
}

/** The t values of the schedule chart's sampler ticks, in order. */
export async function scheduleTicks(page: Page): Promise<number[]> {
  return page.getByTestId('schedule-tick').evaluateAll((ticks) => ticks.map((t) => Number(t.getAttribute('data-t'))));
}

/**
 * Records, from the page's first script on, each phase the load progress shows (`data-phase`: download,
 * compile, time) with its text, in order; read it with `recordedLoadPhases` after the model loaded.
 */
export async function recordLoadPhases(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: { phase: string; text: string }[] = [];
    (window as unknown as { __phases: typeof seen }).__phases = seen;
    new MutationObserver(() => {
      const bar = document.querySelector<HTMLElement>('[data-testid="load-progress"]');
      const phase = bar?.dataset.phase;
      if (phase && seen.at(-1)?.phase !== phase) seen.push({ phase, text: bar!.querySelector('span')?.textContent ?? '' });
    }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  });
}

export async function recordedLoadPhases(page: Page): Promise<{ phase: string; text: string }[]> {
  return page.evaluate(() => (window as unknown as { __phases: { phase: string; text: string }[] }).__phases);
}
