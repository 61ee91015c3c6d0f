/** The CLI end to end, as a child process: flag errors, real images from the shipped models, determinism. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { GifReader } from 'omggif';
import { describe, expect, it } from 'vitest';
import { modelsDir, repoRoot } from '../testing/fixtures.ts';

function cli(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/generate.ts', ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: run.status, out: run.stdout, err: run.stderr };
}


describe('npm run generate', { timeout: 120_000 }, () => {
  it('exits 2 with a clear message for bad flags and a missing models folder', () => {
    expect(cli('--bogus')).toMatchObject({ code: 2, err: expect.stringContaining("Unknown option '--bogus'") });
    expect(cli('--models', '/nonexistent')).toMatchObject({ code: 2, err: expect.stringContaining('models folder not found: /nonexistent') });
    expect(cli('--help')).toMatchObject({ code: 0, out: expect.stringContaining('--prompts-file FILE') });
  });

  it('exits 2 for sampler settings that do not fit together', () => {
    expect(cli('--sampler', 'plms')).toMatchObject({ code: 2, err: expect.stringContaining('--sampler must be one of ddim, ddpm, euler-a, dpmpp-2m, got "plms"') });
    expect(cli('--spacing', 'karras')).toMatchObject({ code: 2, err: expect.stringContaining('--spacing "karras" does not work with sampler "ddim"') });
    expect(cli('--sampler', 'ddpm', '--eta', '1')).toMatchObject({ code: 2, err: expect.stringContaining('--eta applies to the ddim sampler only') });
    expect(cli('--guidance-rescale', '2')).toMatchObject({ code: 2, err: expect.stringContaining('--guidance-rescale must be a number in 0..1, got 2') });
  });

  it('writes one PNG per prompt line through the shipped models, 001.png for line 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'generate-'));
    const prompts = join(dir, 'prompts.txt');
    writeFileSync(prompts, 'cat face\n\nred heart\n');
    const run = cli('--models', modelsDir, '--prompts-file', prompts, '--out-dir', join(dir, 'out'), '--steps', '2', '--seed', '3');
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(/001\.png {2}"cat face" {2}[\d.]+ s/);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['001.png', '002.png', '003.png']);
    const manifest = JSON.parse(readFileSync(join(modelsDir, 'manifest.json'), 'utf8'));
    const png = decode(readFileSync(join(dir, 'out', '001.png')));
    expect([png.width, png.height, png.channels]).toEqual([manifest.resolution, manifest.resolution, 3]);
    expect(png.text).toMatchObject({ prompt: 'cat face', seed: '3', steps: '2', model: manifest.name });
    expect(decode(readFileSync(join(dir, 'out', '002.png'))).text.prompt).toBe('');
  });

  it('--gif writes the run as a looping GIF with one x_t | x̂0 frame per step', () => {
    const dir = mkdtempSync(join(tmpdir(), 'generate-'));
    const run = cli('--models', modelsDir, '--prompt', 'red heart', '--steps', '3', '--out', join(dir, 'a.png'), '--gif', join(dir, 'a.gif'));
    expect(run.code, run.err).toBe(0);
    const gif = new GifReader(readFileSync(join(dir, 'a.gif')));
    const png = decode(readFileSync(join(dir, 'a.png')));
    expect([gif.numFrames(), gif.width, gif.height, gif.loopCount()]).toEqual([3, 2 * 4 * png.width, 4 * png.height, 0]);
    // The last frame's right half is the PNG's image (up to GIF palette quantisation).
    const last = new Uint8Array(gif.width * gif.height * 4);
    gif.decodeAndBlitFrameRGBA(2, last);
    let sum = 0;
    for (let y = 0; y < png.height; y++) {
      for (let x = 0; x < png.width; x++) {
        const g = 4 * ((4 * y) * gif.width + 4 * (png.width + x));
        for (let c = 0; c < 3; c++) sum += Math.abs(last[g + c] - png.data[3 * (y * png.width + x) + c]);
      }
    }
    // GIF keeps 256 colours a frame (shared by the noisy and the clean half): a few levels of 255 on average.
    expect(sum / (png.width * png.height * 3)).toBeLessThan(6);
    expect(cli('--prompts-file', join(dir, 'a.png'), '--out-dir', dir, '--gif', join(dir, 'b.gif'))).toMatchObject({ code: 2, err: expect.stringContaining('--gif works with a single --prompt') });
  });

  it('is deterministic: the same seed writes the same PNG bytes, another seed different ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'generate-'));
    const png = (seed: number, name: string) => {
      const out = join(dir, name);
      const run = cli('--models', modelsDir, '--prompt', 'cat face', '--seed', String(seed), '--steps', '6', '--out', out);
      expect(run.code, run.err).toBe(0);
      return readFileSync(out);
    };
    const a = png(7, 'a.png');
    expect(png(7, 'b.png').equals(a), 'seed 7 twice').toBe(true);
    expect(png(8, 'c.png').equals(a), 'seed 8 vs seed 7').toBe(false);
  });
});
