/**
 * U-Net calls through the worker's own loader (sessions.ts) on WebGPU with graph capture, against the
 * same file on WASM: three batch-2 calls on different inputs, each compared with WASM (a replay that
 * kept stale outputs would differ from the second call on), then two batch-1 calls (run by the captured
 * batch-2 graph as their row twice), plus the badge reason:
 *   bash scripts/webgpu/on-dawn.sh webgpu-capture-check.ts
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadWebGpuModels } from './webgpu-node-models.ts';

setInterval(() => {}, 1000); // a pending timer keeps dawn.node's promises prompt (DESIGN.md)
const gpu = await loadWebGpuModels('public/models');
console.log(`loaded: ${gpu.note}`);
const ort = await import('onnxruntime-web');
const manifest = gpu.models.manifest;
const R = manifest.resolution, C = manifest.channels, L = manifest.tokenizer.max_length;
const D = manifest.unet.inputs[2].shape[2] as number;
const wasm = await ort.InferenceSession.create(readFileSync(resolve('public/models', manifest.unet.file)), { executionProviders: ['wasm'] });
let seed = 5;
const noise = (n: number) => Float32Array.from({ length: n }, () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1);
const context = noise(2 * L * D);
let worst = 0;
// Guided steps (batch 2) at three timesteps, then batch-1 calls (a guidance-1 step, the training view),
// which the captured graph runs as their row twice.
for (const [t, batch] of [[900, 2], [500, 2], [100, 2], [700, 1], [300, 1]]) {
  const sample = noise(batch * C * R * R);
  const timestep = new Float32Array(batch).fill(t);
  const rows = context.subarray(0, batch * L * D);
  const before = gpu.unetCalls.length;
  const v = await gpu.models.unet(sample, timestep, rows, batch);
  const counts = gpu.unetCalls[before];
  const want = (await wasm.run({
    sample: new ort.Tensor('float32', sample, [batch, C, R, R]),
    timestep: new ort.Tensor('float32', timestep, [batch]),
    encoder_hidden_states: new ort.Tensor('float32', rows, [batch, L, D]),
  })).v.data as Float32Array;
  if (v.length !== want.length) throw new Error(`batch ${batch}: ${v.length} values, expected ${want.length}`);
  let d = 0;
  for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(v[i] - want[i]));
  worst = Math.max(worst, d);
  console.log(`batch ${batch}, t=${t}: max |WebGPU - WASM| ${d.toExponential(2)}; ${counts.dispatch} dispatches, ${counts.bindGroup} bind groups, ${counts.writeBuffer} writeBuffer`);
}
console.log(worst < 1e-3 ? 'ok' : 'FAIL');
process.exit(worst < 1e-3 ? 0 : 1);
