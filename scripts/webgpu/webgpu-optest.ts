/**
 * One small ONNX graph on JSEP WebGPU (Dawn) and on WASM with the same random inputs: max |difference|
 * per output. For checking that an op (or an op's input layout) runs the same on both backends:
 *   bash scripts/webgpu/on-dawn.sh webgpu-optest.ts a.onnx '{"x":[2,3]}' [b.onnx SHAPES ...]
 */
import { readFileSync } from 'node:fs';
import { installDawn, openOrtOnDawn } from './dawn-node.ts';

await installDawn();
const ort = await openOrtOnDawn();
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 2) {
  const file = args[i];
  const shapes = JSON.parse(args[i + 1]) as Record<string, number[]>;
  let seed = 99;
  const next = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const data = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, next)]));
  const outs: Record<string, Float32Array>[] = [];
  for (const ep of ['webgpu', 'wasm'] as const) {
    const provider = ep === 'webgpu' ? { name: ep, preferredLayout: 'NCHW' as const } : ep;
    const session = await ort.InferenceSession.create(readFileSync(file), { executionProviders: [provider], graphOptimizationLevel: 'all' });
    const feeds = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, new ort.Tensor('float32', data[k], s)]));
    const r = await session.run(feeds);
    outs.push(Object.fromEntries(await Promise.all(Object.entries(r).map(async ([k, t]) => [k, new Float32Array((await t.getData()) as Float32Array)]))));
    await session.release();
  }
  for (const k of Object.keys(outs[0])) {
    let m = 0;
    for (let j = 0; j < outs[0][k].length; j++) m = Math.max(m, Math.abs(outs[0][k][j] - outs[1][k][j]));
    console.log(`${file} ${k}: ${outs[0][k].length} values, max |WebGPU - WASM| ${m.toExponential(2)}`);
  }
}
process.exit(0);
