/**
 * What the integrity check costs: SHA-256 of each shipped file the page loads, with WebCrypto (https,
 * localhost) and with the @noble/hashes fallback (a page served over plain http). Median of 5, in ms.
 *   npx tsx scripts/bench-hash.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../src/model/integrity.ts';
import { parseManifest } from '../src/model/manifest.ts';

const dir = 'public/models';
const manifest = parseManifest(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
const files = [manifest.tokenizer, manifest.text_encoder, manifest.unet, ...(manifest.image_encoder ? [manifest.image_encoder] : [])];

async function median(bytes: Uint8Array, subtle: SubtleCrypto | null): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    await sha256Hex(bytes, subtle);
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[2];
}

for (const spec of files) {
  const bytes = readFileSync(join(dir, spec.file));
  const web = await median(bytes, crypto.subtle);
  const noble = await median(bytes, null);
  console.log(`${spec.file.padEnd(20)} ${(bytes.length / 1e6).toFixed(2).padStart(6)} MB  webcrypto ${web.toFixed(0).padStart(4)} ms  @noble/hashes ${noble.toFixed(0).padStart(4)} ms`);
}
