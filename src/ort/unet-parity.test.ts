/**
 * Parity of the shipped ONNX models run by onnxruntime-web (WASM, as the page's fallback) with the
 * PyTorch reference in src/fixtures/unet-call.json (written by training/make_fixtures.py).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { checkIoSpec, contextShape, parseManifest } from '../model/manifest.ts';
import { Tokenizer } from '../text/tokenizer.ts';
import { decode, f32, mismatch, modelsDir, readFixture, readModelJson, type FixtureArray } from '../testing/fixtures.ts';

interface UnetCall {
  prompts: string[];
  input_ids: FixtureArray;
  hidden_states: FixtureArray;
  sample: FixtureArray;
  timestep: FixtureArray;
  v: FixtureArray;
}

ort.env.wasm.numThreads = 1;

describe('ONNX (onnxruntime-web WASM) vs PyTorch: src/fixtures/unet-call.json', () => {
  it('text encoder and U-Net outputs agree to 1e-4', { timeout: 300_000 }, async () => {
    const fixture = readFixture<UnetCall>('unet-call.json');
    const manifest = parseManifest(readModelJson('manifest.json'));
    const tokenizer = Tokenizer.fromJson(readModelJson(manifest.tokenizer.file));
    const { length: L, width: D } = contextShape(manifest);
    const R = manifest.resolution;
    const batch = fixture.prompts.length;

    // The tokenizer gives the ids PyTorch saw.
    const ids = new Int32Array(batch * L); // [B, L]
    fixture.prompts.forEach((p, b) => ids.set(tokenizer.encode(p), b * L));
    expect(Array.from(ids)).toEqual(Array.from(decode(fixture.input_ids)));

    const open = async (file: string) => ort.InferenceSession.create(readFileSync(join(modelsDir, file)));
    const text = await open(manifest.text_encoder.file);
    checkIoSpec(manifest.text_encoder.file, manifest.text_encoder, text);
    const hidden = (await text.run({ input_ids: new ort.Tensor('int32', ids, [batch, L]) })).hidden_states;
    expect(hidden.dims).toEqual([batch, L, D]);
    expect(mismatch(hidden.data as Float32Array, f32(fixture.hidden_states), 1e-4), 'hidden_states').toBeNull();
    await text.release();

    const unet = await open(manifest.unet.file);
    checkIoSpec(manifest.unet.file, manifest.unet, unet);
    const v = (
      await unet.run({
        sample: new ort.Tensor('float32', f32(fixture.sample), [batch, 3, R, R]),
        timestep: new ort.Tensor('float32', f32(fixture.timestep), [batch]),
        encoder_hidden_states: new ort.Tensor('float32', f32(fixture.hidden_states), [batch, L, D]),
      })
    ).v;
    expect(v.dims).toEqual([batch, 3, R, R]);
    expect(mismatch(v.data as Float32Array, f32(fixture.v), 1e-4), 'v').toBeNull();
    await unet.release();
  });
});
