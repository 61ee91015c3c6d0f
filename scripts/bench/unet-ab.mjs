// WASM step time of two U-Net files, called alternately so both see the same machine load (this
// machine is shared): onnxruntime-web's WASM build in Node, batch 2, the page's session options.
//   node scripts/bench/unet-ab.mjs OLD.onnx NEW.onnx [--iters=12] [--threads=1]
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-web';

const { values, positionals } = parseArgs({
  options: { iters: { type: 'string', default: '12' }, threads: { type: 'string', default: '1' } },
  allowPositionals: true,
});
if (positionals.length !== 2) throw new Error('usage: node scripts/bench/unet-ab.mjs OLD.onnx NEW.onnx [--iters=12] [--threads=1]');
ort.env.wasm.numThreads = Number(values.threads);
ort.env.wasm.wasmPaths = `${pathToFileURL(resolve('node_modules/onnxruntime-web/dist')).href}/`;
ort.env.logLevel = 'error';
const B = 2, R = 64, L = 16, D = 128;
let seed = 7;
const next = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
const feeds = {
  sample: new ort.Tensor('float32', Float32Array.from({ length: B * 3 * R * R }, next), [B, 3, R, R]),
  timestep: new ort.Tensor('float32', new Float32Array([500, 500]), [B]),
  encoder_hidden_states: new ort.Tensor('float32', Float32Array.from({ length: B * L * D }, next), [B, L, D]),
};
const sessions = [];
for (const file of positionals) {
  sessions.push(await ort.InferenceSession.create(readFileSync(file), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' }));
}
const outs = [];
for (const s of sessions) outs.push((await s.run(feeds)).v.data); // warm-up
let maxAbs = 0;
for (let i = 0; i < outs[0].length; i++) maxAbs = Math.max(maxAbs, Math.abs(outs[0][i] - outs[1][i]));
const times = sessions.map(() => []);
for (let i = 0; i < Number(values.iters); i++) {
  for (const [k, s] of sessions.entries()) {
    const t0 = performance.now();
    await s.run(feeds);
    times[k].push(performance.now() - t0);
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const [k, file] of positionals.entries()) {
  console.log(`${file}: median ${median(times[k]).toFixed(1)} ms, min ${Math.min(...times[k]).toFixed(1)} ms (${times[k].length} calls, ${values.threads} thread(s))`);
}
console.log(`max |v_old - v_new|: ${maxAbs.toExponential(2)}`);
