/**
 * Test support (Node only): reads the parity fixtures that training/make_fixtures.py writes to
 * src/fixtures/ and the shipped models in public/models/. FIXTURES_DIR and MODELS_DIR override the
 * folders, e.g. to check a candidate model before shipping it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/** Folder of the parity fixtures (*.json). */
export const fixturesDir = process.env.FIXTURES_DIR ?? join(repoRoot, 'src/fixtures');
/** Folder of the shipped models (manifest.json, tokenizer.json, *.onnx). */
export const modelsDir = process.env.MODELS_DIR ?? join(repoRoot, 'public/models');

/** Whether fixture `name` (e.g. "rng.json") exists. */
export function hasFixture(name: string): boolean {
  return existsSync(join(fixturesDir, name));
}

/** Parsed fixture `name`; throws with the path if it is missing. */
export function readFixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(join(fixturesDir, name), 'utf8')) as T;
}

/** Parsed JSON file `name` from the models folder. */
export function readModelJson<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(join(modelsDir, name), 'utf8')) as T;
}

/** A fixture array: `{ dtype, shape, b64 }` (little-endian) or a plain array of numbers. */
export type FixtureArray = { dtype: 'float32' | 'int32' | 'float64'; shape: number[]; b64: string } | number[];

/** A fixture array as a Float32Array (int32 and float64 data converted). */
export function f32(a: FixtureArray): Float32Array {
  return Float32Array.from(decode(a));
}

/** A fixture array in its own dtype (plain arrays become Float64Array). */
export function decode(a: FixtureArray): Float32Array | Int32Array | Float64Array {
  if (Array.isArray(a)) return Float64Array.from(a);
  const bytes = Buffer.from(a.b64, 'base64');
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const out =
    a.dtype === 'float32' ? new Float32Array(buffer) : a.dtype === 'int32' ? new Int32Array(buffer) : new Float64Array(buffer);
  const count = a.shape.reduce((x, y) => x * y, 1);
  if (out.length !== count) throw new Error(`fixture array of shape [${a.shape}] has ${out.length} values`);
  return out;
}

/**
 * The largest violation of |actual - expected| <= rtol * max(1, |expected|), as a message, or null
 * when every element passes (and the lengths agree).
 */
export function mismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number): string | null {
  if (actual.length !== expected.length) return `length ${actual.length}, expected ${expected.length}`;
  let worst = -1;
  let worstRatio = 1;
  for (let i = 0; i < actual.length; i++) {
    const ratio = Math.abs(actual[i] - expected[i]) / (rtol * Math.max(1, Math.abs(expected[i])));
    if (!(ratio <= worstRatio)) {
      worst = i;
      worstRatio = ratio;
      if (Number.isNaN(ratio)) break;
    }
  }
  return worst < 0 ? null : `element ${worst}: ${actual[worst]} vs ${expected[worst]} (${worstRatio.toFixed(1)}x the tolerance)`;
}
