/** The CLI end to end, as a child process: flag errors, real images from the shipped models, determinism. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { modelsDir, repoRoot } from '../testing/fixtures.ts';

function cli(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/generate.ts', ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

/** Width, height and the inflated rows of a PNG written by encodePng (one IDAT). */
function readPng(path: string) {
  const png = readFileSync(path);
  const idat = png.indexOf('IDAT');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), rows: inflateSync(png.subarray(idat + 4, idat + 4 + png.readUInt32BE(idat - 4))) };
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
    const { width, height, rows } = readPng(join(dir, 'out', '001.png'));
    expect([width, height]).toEqual([manifest.resolution, manifest.resolution]);
    expect(rows.length).toBe(height * (1 + 3 * width));
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
