/**
 * (c) The WASM and WebGPU paths both run and agree; on WebGPU the guided DDIM steps run on the sampler
 * on the GPU. Runs in the `webgpu` project (Chromium with --enable-unsafe-webgpu: a SwiftShader
 * adapter, ~25x slower than WASM, hence few steps).
 */
import { expect, test } from '@playwright/test';
import { recordCspViolations } from './csp.ts';
import { generateAndWait, maxAbsDiff, meanAbsDiff, readCanvas, recordedLoadPhases, recordLoadPhases, waitForModel, type Pixels } from './helpers.ts';

const HASH = '#prompt=cat%20face&seed=7&steps=3&guidance=4';

/**
 * Largest per-channel difference allowed between the two final images, in 0..255 units. The two
 * runtimes agree to ~1e-5 per U-Net call (DESIGN.md); over 3 steps that stays far below one grey
 * level (1/127.5 in model units), so the only difference left is a value that lands on a rounding
 * boundary and flips by 1. 2 allows that with a margin and still catches any real divergence.
 */
const TOLERANCE = 2;

async function runOn(page: import('@playwright/test').Page, backend: 'wasm' | 'webgpu') {
  await page.goto(`./?backend=${backend}&autorun=0${HASH}`);
  const started = Date.now();
  expect(await waitForModel(page)).toBe(backend);
  const loadMs = Date.now() - started;
  // After the download, the first calls are a phase of their own that the page names (on WebGPU the
  // kernels compile then, which on SwiftShader takes longer than the download).
  const phases = await recordedLoadPhases(page);
  expect(phases.map((p) => p.phase)).toEqual(['download', 'compile']);
  expect(phases[1].text).toContain(backend === 'webgpu' ? 'compiling its GPU kernels' : 'Preparing the model on WASM');
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toContainText(backend === 'webgpu' ? 'WebGPU' : /WASM · \d+ threads?/);
  await expect(badge).toContainText(`forced by ?backend=${backend}`);
  const runStart = Date.now();
  await generateAndWait(page, 600_000);
  const runMs = Date.now() - runStart;
  const pixels: Pixels = await readCanvas(page, 'canvas-x0');
  console.log(`${backend}: load ${loadMs} ms, 3 steps ${runMs} ms`);
  // WebGPU ran the guided DDIM steps on the sampler on the GPU (gpu-steps.ts), and every one of them
  // agreed with the CPU's maths: one that did not would have turned it off and said so here.
  if (backend === 'webgpu') await expect(page.getByTestId('backend-reason')).toContainText('sampler on the GPU (guided DDIM)');
  return pixels;
}

test('WASM and WebGPU give the same image, under the Content-Security-Policy with no violation', async ({ page }) => {
  test.setTimeout(900_000);
  const violations = await recordCspViolations(page);
  await recordLoadPhases(page);
  const wasm = await runOn(page, 'wasm');
  const webgpu = await runOn(page, 'webgpu');
  const max = maxAbsDiff(wasm, webgpu);
  console.log(`WASM vs WebGPU final image: max abs diff ${max}/255, mean ${meanAbsDiff(wasm, webgpu).toFixed(4)}/255`);
  expect(max).toBeLessThanOrEqual(TOLERANCE);
  expect(violations).toEqual([]);
});
