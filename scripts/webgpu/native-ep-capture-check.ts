/**
 * The WebGPU U-Net graph (training/webgpu_graph.py) on onnxruntime's native WebGPU EP under graph capture,
 * as the page would run it: files sharing one weights file (externalData), the worker's captured-unet.ts
 * on fixed GPU buffers, its replay check (rows swapped), then two more guided calls on new inputs, each
 * compared with the WASM graph, with the kernels, bind groups and uploads of a replay:
 *   ORT_BUILD=webgpu [WEBGPU_SUBGROUPS=0] bash scripts/webgpu/on-dawn.sh native-ep-capture-check.ts OUT_DIR [GRAPH]
 *   # OUT_DIR as webgpu_graph.py writes it; GRAPH default unet-webgpu.onnx. On SwiftShader use WEBGPU_SUBGROUPS=0 (dawn-node.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CAPTURE_OPTIONS, checkCapture, createCapturedUnet } from '../../src/ort/captured-unet.ts';
import { countersSince, installDawn, openOrtOnDawn } from './dawn-node.ts';

const [dir, graph = 'unet-webgpu.onnx'] = process.argv.slice(2);
if (!dir || process.env.ORT_BUILD !== 'webgpu') throw new Error('usage: ORT_BUILD=webgpu ... native-ep-capture-check.ts OUT_DIR');
const { counters } = await installDawn();
if (process.env.WEBGPU_SUBGROUPS === '0') {
  // A device of the EP's own making without subgroups: GPU-buffer inputs cannot be bound to a session on a
  // device passed in (the EP registers that device under another id than the buffers' tensors get).
  const requestDevice = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = function (this: GPUAdapter, d?: GPUDeviceDescriptor) {
    const requiredFeatures = [...(d?.requiredFeatures ?? [])].filter((f) => !f.startsWith('subgroup'));
    return requestDevice.call(this, { ...d, requiredFeatures });
  };
}
const ort = await openOrtOnDawn();
const manifest = JSON.parse(readFileSync('public/models/manifest.json', 'utf8'));
const dims = { C: manifest.channels, R: manifest.resolution, L: manifest.tokenizer.max_length, D: manifest.unet.inputs[2].shape[2] };
const externalData = [{ path: 'unet.weights', data: new Uint8Array(readFileSync(join(dir, 'unet.weights'))) }];

const provider = { name: 'webgpu' as const };
const session = await ort.InferenceSession.create(readFileSync(join(dir, graph)), {
  ...CAPTURE_OPTIONS,
  executionProviders: [provider],
  externalData,
});
console.log(`device features: ${[...((await ort.env.webgpu.device) as GPUDevice).features].filter((f) => f.startsWith('subgroup')).join(', ') || 'no subgroups'}`);
const captured = await createCapturedUnet(session, dims);
const failed = await checkCapture(captured, dims);
console.log(`replay check (rows swapped): ${failed ?? 'passed'}`);

const wasm = await ort.InferenceSession.create(readFileSync(join(dir, 'unet.onnx')), { executionProviders: ['wasm'], externalData });
let seed = 7;
const noise = (n: number) => Float32Array.from({ length: n }, () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1);
const context = noise(2 * dims.L * dims.D);
for (const t of [700, 150]) {
  const sample = noise(2 * dims.C * dims.R * dims.R);
  const timestep = new Float32Array([t, t]);
  const before = { ...counters };
  const v = await captured.run(sample, timestep, context);
  const c = countersSince(before, counters);
  const want = (await wasm.run({
    sample: new ort.Tensor('float32', sample, [2, dims.C, dims.R, dims.R]),
    timestep: new ort.Tensor('float32', timestep, [2]),
    encoder_hidden_states: new ort.Tensor('float32', context, [2, dims.L, dims.D]),
  })).v.data as Float32Array;
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(v[i] - want[i]));
  console.log(`t=${t}: max |captured - WASM| ${worst.toExponential(2)}; ${c.dispatch} dispatches, ${c.bindGroup} bind groups, ${c.writeBuffer} writeBuffer`);
}
await captured.release();
process.exit(failed ? 1 : 0);
