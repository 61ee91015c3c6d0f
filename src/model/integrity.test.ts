import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelsDir, readModelJson } from '../testing/fixtures.ts';
import { flipMiddleByte, outcome } from '../testing/tampered.ts';
import { sha256Hex, verifyBytes } from './integrity.ts';
import { parseManifest } from './manifest.ts';

const manifest = parseManifest(readModelJson('manifest.json'));
const files = [manifest.tokenizer, manifest.text_encoder, manifest.unet, ...(manifest.image_encoder ? [manifest.image_encoder] : []), ...manifest.samples];

describe('sha256Hex', () => {
  it('gives the same digest with WebCrypto and with the @noble/hashes fallback', async () => {
    const bytes = readFileSync(join(modelsDir, manifest.text_encoder.file));
    const expected = createHash('sha256').update(bytes).digest('hex');
    expect(await sha256Hex(bytes, crypto.subtle)).toBe(expected);
    expect(await sha256Hex(bytes, null)).toBe(expected);
    expect(await sha256Hex(new Uint8Array(0), null)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('the shipped manifest', () => {
  it('gives a size and SHA-256 for every file the page or CLI loads, and they match the files', async () => {
    expect(files.map((f) => f.file)).toEqual(expect.arrayContaining(['tokenizer.json', 'unet.onnx', 'samples/cat-face.png']));
    for (const spec of files) expect(await outcome(verifyBytes(spec, readFileSync(join(modelsDir, spec.file))))).toBe(`${spec.bytes} bytes`);
  });
});

describe('verifyBytes', () => {
  const spec = manifest.text_encoder;
  const good = readFileSync(join(modelsDir, spec.file));

  // Issue 10: without crypto.subtle (plain-http page) the check was skipped and a bit-flipped model ran.
  it('refuses one flipped byte with and without WebCrypto', async () => {
    const bad = flipMiddleByte(good);
    const message = /text_encoder\.onnx: SHA-256 [0-9a-f]{12}\.\.\. does not match manifest\.json's [0-9a-f]{12}\.\.\. \(corrupt or tampered file\)/;
    expect(await outcome(verifyBytes(spec, bad, null))).toMatch(message);
    expect(await outcome(verifyBytes(spec, bad, crypto.subtle))).toMatch(message);
    expect(await outcome(verifyBytes(spec, good, null))).toBe(`${spec.bytes} bytes`);
  });

  it('refuses a different size before hashing', async () => {
    expect(await outcome(verifyBytes(spec, good.subarray(0, 1000), null))).toMatch(
      `text_encoder.onnx: expected ${spec.bytes} bytes (manifest.json), got 1000 (truncated, stale or wrong file?)`,
    );
  });
});
