/**
 * The sampler on the GPU (src/ort/gpu-steps.ts), through the page's own code: the worker's loader
 * (sessions.ts) on Dawn and the page's pipeline (pipeline.ts), which queues guided DDIM steps ahead and
 * checks each against its own maths. In one process it times a guided generation with the GPU sampler and
 * without it (the loop waiting for every step's v, as the page did before), and checks the GPU sampler's
 * frames against the same pipeline on WASM: the final image and every step's x0 within `--tol`, and two
 * generations interleaved step by step (as a comparison runs them) each against its own WASM image.
 *   bash scripts/webgpu/on-dawn.sh gpu-resident-bench.ts [--steps=20] [--reps=5] [--capture=on|off] [--ahead=N]
 * (on SwiftShader, e.g. --steps=3 --reps=1 --ahead=3; in the GPU bundle: gpu-resident.mjs). --capture=off
 * loads as the page does on a software adapter (no graph capture: the uncaptured session on GPU buffers).
 * DDIM with eta 0, trailing spacing: the page's defaults. BENCH_MODELS_DIR as in bench-node.ts.
 */
import { parseArgs } from 'node:util';
import { openModels, readModelsDir } from '../../src/ort/node-models.ts';
import type { WebGpuLayout } from '../../src/ort/sessions.ts';
import { worstRelativeDifference } from '../../src/pipeline/arrays.ts';
import { generate, type StepFrame } from '../../src/pipeline/generate.ts';
import { interleave } from '../../src/pipeline/interleave.ts';
import type { Models } from '../../src/pipeline/models.ts';
import { runSettings, type RunSettings } from '../../src/settings/fields.ts';
import { loadWebGpuModels } from './webgpu-node-models.ts';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '20' },
    reps: { type: 'string', default: '5' },
    guidance: { type: 'string', default: '4' },
    layout: { type: 'string', default: 'NHWC' },
    capture: { type: 'string', default: 'on' },
    tol: { type: 'string', default: '2e-3' },
    prompt: { type: 'string', default: 'cat face' },
    seed: { type: 'string', default: '1' },
    ahead: { type: 'string' }, // steps queued ahead; default: the loader's choice (4, or 1 on a software adapter)
  },
});
const MODELS_DIR = process.env.BENCH_MODELS_DIR ?? 'public/models';
const params: RunSettings = runSettings({ prompt: values.prompt!, seed: Number(values.seed), steps: Number(values.steps), guidance: Number(values.guidance), sampler: 'ddim', spacing: 'trailing' });
const REPS = Number(values.reps);

setInterval(() => {}, 1000); // a pending timer keeps dawn.node's promises prompt (DESIGN.md)
const gpu = await loadWebGpuModels(MODELS_DIR, values.layout as WebGpuLayout, values.capture !== 'off');
const ort = await import('onnxruntime-web');
const { manifest, tokenizer } = readModelsDir(MODELS_DIR);
const wasm = await openModels(ort, MODELS_DIR, manifest, tokenizer, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
const steps = gpu.models.gpuSteps;
if (!steps) throw new Error(`the loader put no sampler on the GPU: ${gpu.note}`);
if (values.ahead) steps.ahead = Number(values.ahead);
const perStep: Models = { ...gpu.models, gpuSteps: undefined };

async function run(models: Models, p = params): Promise<{ ms: number; frames: StepFrame[] }> {
  const start = performance.now();
  const frames: StepFrame[] = [];
  for await (const frame of generate(models, p)) frames.push(frame);
  return { ms: performance.now() - start, frames };
}

const reference = (await run(wasm)).frames;
const onGpu: { ms: number; frames: StepFrame[] }[] = [];
const waiting: { ms: number; frames: StepFrame[] }[] = [];
for (let r = 0; r < REPS + 1; r++) {
  // Alternating, so drift in the machine's speed hits both alike; the first of each is a warm-up.
  onGpu.push(await run(gpu.models));
  waiting.push(await run(perStep));
}
// Two generations interleaved step by step, as a comparison runs them in the worker: each GPU run keeps
// its own sample and context and copies them into the U-Net's buffers for its own steps.
const other: RunSettings = { ...params, prompt: 'red apple', seed: params.seed + 1, guidance: params.guidance + 2 };
const otherReference = (await run(wasm, other)).frames.at(-1)!.prev;
const pair: Float32Array[] = [new Float32Array(0), new Float32Array(0)];
for await (const { lane, value } of interleave([generate(gpu.models, params), generate(gpu.models, other)])) pair[lane] = value.prev;
const pairDiff = Math.max(worstRelativeDifference(pair[0], reference.at(-1)!.prev), worstRelativeDifference(pair[1], otherReference));

const last = onGpu.at(-1)!.frames;
const finalDiff = worstRelativeDifference(last.at(-1)!.prev, reference.at(-1)!.prev);
const x0Diff = Math.max(...last.map((f, i) => worstRelativeDifference(f.x0, reference[i].x0)));
const waitingDiff = worstRelativeDifference(waiting.at(-1)!.frames.at(-1)!.prev, reference.at(-1)!.prev);
const stable = worstRelativeDifference(onGpu[0].frames.at(-1)!.prev, last.at(-1)!.prev);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gpuMs = median(onGpu.slice(1).map((r) => r.ms));
const waitMs = median(waiting.slice(1).map((r) => r.ms));
console.log(`${MODELS_DIR}, ${params.steps} steps, guidance ${params.guidance}, layout ${values.layout}; ${gpu.note}`);
console.log(`GPU sampler (${steps.ahead} steps ahead): ${gpuMs.toFixed(1)} ms per generation, median of ${REPS} (all: ${onGpu.slice(1).map((r) => r.ms.toFixed(1)).join(', ')})`);
console.log(`waiting for each step's v (the page before): ${waitMs.toFixed(1)} ms (all: ${waiting.slice(1).map((r) => r.ms.toFixed(1)).join(', ')}); ratio ${(waitMs / gpuMs).toFixed(2)}x`);
console.log(`vs the pipeline on WASM: final image ${finalDiff.toExponential(2)}, x0 over all steps ${x0Diff.toExponential(2)} (waiting: ${waitingDiff.toExponential(2)}); two generations interleaved ${pairDiff.toExponential(2)}; run to run ${stable.toExponential(2)}; GPU sampler ${steps.off === null ? 'still on' : `turned off: ${steps.off}`}`);
const tol = Number(values.tol);
const ok = finalDiff <= tol && x0Diff <= tol && pairDiff <= tol && steps.off === null && stable === 0;
console.log(ok ? `PASS (tolerance ${tol})` : `FAIL (tolerance ${tol})`);
process.exit(ok ? 0 : 1);
