/**
 * The page and the CLI make the same image: the same settings through the same pipeline, onnxruntime-web
 * (WASM) in Chromium against onnxruntime-node, agree to one 8-bit level per channel.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { repoRoot } from '../src/testing/fixtures.ts';
import { generateAndWait, maxAbsDiff, meanAbsDiff, readCanvas, readPng, waitForModel } from './helpers.ts';

const SETTINGS = { prompt: 'cat face', seed: 5, steps: 6, guidance: 4 };

test('the page\'s final image equals the CLI\'s PNG for the same prompt, seed, steps and guidance', async ({ page }) => {
  const { prompt, seed, steps, guidance } = SETTINGS;
  await page.goto(`./?backend=wasm&autorun=0#prompt=${encodeURIComponent(prompt)}&seed=${seed}&steps=${steps}&guidance=${guidance}`);
  await waitForModel(page);
  await generateAndWait(page);
  await expect(page.getByTestId('run-params')).toContainText(`${prompt} · seed ${seed} · ${steps} steps · DDIM · guidance ${guidance}`);
  // x̂0 of the last step: that step goes to t = -1, where DDIM's x_prev = sqrt(1) x̂0 + 0 ε̂ is x̂0 itself,
  // so this canvas shows the final image (canvas-xt shows the last step's input, x_1).
  const shown = await readCanvas(page, 'canvas-x0');

  // The CLI reads the same files the page was built with (public/models).
  const out = join(mkdtempSync(join(tmpdir(), 'cli-parity-')), 'cli.png');
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/generate.ts', '--models', join(repoRoot, 'public/models'), '--prompt', prompt,
      '--seed', String(seed), '--steps', String(steps), '--guidance', String(guidance), '--out', out],
    { cwd: repoRoot, encoding: 'utf8' },
  );
  expect(run.status, run.stderr).toBe(0);
  const cli = readPng(out);

  expect([cli.width, cli.height]).toEqual([shown.width, shown.height]);
  const max = maxAbsDiff(shown, cli);
  console.log(`page (WASM) vs CLI (onnxruntime-node): max ${max}, mean ${meanAbsDiff(shown, cli).toFixed(4)} levels of 255`);
  expect(max).toBeLessThanOrEqual(1);

  // The page's prompt match (image encoder on the finished image vs the prompt) is the CLI's too.
  const pageMatch = Number(await page.getByTestId('match-value').textContent());
  const cliMatch = Number(/match (-?[0-9.]+)/.exec(run.stdout)?.[1]);
  console.log(`prompt match: page ${pageMatch}, CLI ${cliMatch}`);
  expect(pageMatch).toBeGreaterThan(0);
  expect(Math.abs(pageMatch - cliMatch)).toBeLessThanOrEqual(0.001);
  // Rewinding shows each step's own score.
  await page.getByLabel('Show step').fill('0');
  await expect(page.getByTestId('match-value')).toHaveText(/^-?[01]\.[0-9]{3}$/);
});
