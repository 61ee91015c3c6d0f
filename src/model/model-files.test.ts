/**
 * The page's file loading (model-files.ts, as the worker runs it) against a real HTTP server serving a
 * copy of public/models, some files tampered with. Cache Storage is a browser API (Node has none): the
 * cache paths are covered by e2e/offline.spec.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseManifest } from '../model/manifest.ts';
import { Tokenizer } from '../text/tokenizer.ts';
import { readModelJson } from '../testing/fixtures.ts';
import { copyModels, editText, flipMiddleByte, outcome, swappedTokenizer } from '../testing/tampered.ts';
import { fetchManifestJson, loadFile, parseJson } from './model-files.ts';

let server: Server;
let base = '';
const dir = copyModels((d) => {
  writeFileSync(join(d, 'unet.onnx'), flipMiddleByte(readFileSync(join(d, 'unet.onnx'))));
  editText(d, 'tokenizer.json', swappedTokenizer);
});
const manifest = parseManifest(readModelJson('manifest.json'));

beforeAll(async () => {
  server = createServer((request, response) => {
    try {
      const body = readFileSync(join(dir, decodeURIComponent(new URL(request.url!, 'http://x').pathname)));
      response.writeHead(200, { 'content-type': request.url!.endsWith('.json') ? 'application/json' : 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => vi.unstubAllGlobals());

describe('loadFile, the page path', () => {
  // Issue 10: on a plain-http origin (no crypto.subtle) the SHA-256 check was skipped and this unet ran.
  it('refuses a bit-flipped unet.onnx when crypto.subtle is missing', async () => {
    vi.stubGlobal('crypto', {}); // what a plain-http page's worker has: no `subtle`
    expect(globalThis.crypto.subtle).toBeUndefined();
    expect(await outcome(loadFile(base, manifest.unet, null))).toMatch(/^unet\.onnx: SHA-256 [0-9a-f]{12}\.\.\. does not match manifest\.json's/);
    // The same path accepts a good file: the fallback hashes, it does not just fail.
    const text = await loadFile(base, manifest.text_encoder, null);
    expect(text.length).toBe(manifest.text_encoder.bytes);
  });

  // Issue 10: tokenizer.json had no hash; a valid but tampered vocabulary loaded and changed every image.
  it('refuses a tampered tokenizer.json that is still a valid tokenizer', async () => {
    const tampered = readFileSync(join(dir, 'tokenizer.json'));
    expect(tampered.length).toBe(manifest.tokenizer.bytes); // same size: only the hash can tell
    const swapped = Tokenizer.fromJson(parseJson('tokenizer.json', tampered));
    expect(swapped.encode('cat')).toEqual(Tokenizer.fromJson(readModelJson('tokenizer.json')).encode('dog'));
    expect(await outcome(loadFile(base, manifest.tokenizer, null))).toMatch(/^tokenizer\.json: SHA-256 .* does not match manifest\.json's/);
  });

  it('reports progress against the manifest size and stops a body longer than that', async () => {
    const seen: number[] = [];
    const spec = manifest.samples[0];
    await loadFile(base, spec, null, (file, loaded, total) => (expect([file, total]).toEqual([spec.file, spec.bytes]), seen.push(loaded)));
    expect(seen.at(0)).toBe(0);
    expect(seen.at(-1)).toBe(spec.bytes);
    expect(await outcome(loadFile(base, { ...spec, bytes: 100 }, null))).toMatch(`${spec.file}: larger than the 100 bytes manifest.json gives`);
  });

  it('names a missing file and a manifest that is not JSON', async () => {
    expect(await outcome(loadFile(base, { ...manifest.unet, file: 'nothing.onnx' }, null))).toMatch('nothing.onnx: HTTP 404');
    expect(await fetchManifestJson(base, null)).toMatchObject({ name: manifest.name });
    expect(() => parseJson('tokenizer.json', new Uint8Array([0xff, 0x7b]))).toThrow('tokenizer.json: not valid JSON');
  });
});
