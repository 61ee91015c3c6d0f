/**
 * One Node backend of the benchmark, in its own process (onnxruntime-web fixes its thread count when
 * its WASM starts, and memory figures need a clean process). Started by scripts/bench/bench.ts as
 *   node --expose-gc --import tsx scripts/bench/bench-node.ts --runtime=wasm|native --threads=N --plan=JSON
 *   node --expose-gc --import tsx --import ./scripts/webgpu/ort-jsep-register.mjs scripts/bench/bench-node.ts --runtime=webgpu ...
 * Progress goes to stderr; the last line of stdout is the `Measured` JSON.
 *
 * - wasm:   onnxruntime-web's Node build (ort.node.min.mjs + ort-wasm-simd-threaded.wasm): the same
 *           package, version and WASM SIMD kernels as the page, without the JSEP/WebGPU glue (that
 *           build cannot start WASM threads in Node), threads via worker_threads.
 * - native: onnxruntime-node's bundled CPU library.
 * - webgpu: the page's JSEP build (ort.min.mjs) on Dawn (npm `webgpu`), loaded by the worker's own
 *           src/ort/load-models.ts (scripts/webgpu/webgpu-node-models.ts); every U-Net call is also counted on
 *           the WebGPU API (dispatches, bind groups, writeBuffer), reported as `gpu` in the JSON.
 * All run the page's pipeline (src/pipeline/generate.ts), timed by the worker's own wrapper.
 */
import { parseArgs } from 'node:util';
import { openModels, readModelsDir } from '../../src/ort/node-models.ts';
import { generate } from '../../src/pipeline/generate.ts';
import type { Models } from '../../src/pipeline/models.ts';
import { timeModelCalls } from '../../src/pipeline/timed-models.ts';
import { runSettings } from '../../src/settings/fields.ts';
import { measure, medianCounts, type Driver, type Plan } from './bench-protocol.ts';
import type { WebGpuLayout } from '../../src/ort/sessions.ts';
import { loadWebGpuModels, type WebGpuModels } from '../webgpu/webgpu-node-models.ts';

// BENCH_MODELS_DIR: the GPU job folder's models/ (scripts/gpu-job/gpu-bench.sh), on a machine with no checkout.
const MODELS_DIR = process.env.BENCH_MODELS_DIR ?? 'public/models';
const PROMPT = 'cat face';
const SEED = 1;

const { values } = parseArgs({
  // --layout: JSEP's preferredLayout for the webgpu runtime (default: the page's, sessions.ts WEBGPU_LAYOUT)
  options: { runtime: { type: 'string' }, threads: { type: 'string' }, plan: { type: 'string' }, layout: { type: 'string' } },
});
const runtime = values.runtime;
if (runtime !== 'wasm' && runtime !== 'native' && runtime !== 'webgpu') throw new Error(`--runtime must be wasm, native or webgpu, got ${runtime}`);
const threads = Number(values.threads);
const layout = values.layout as WebGpuLayout | undefined;
if (layout !== undefined && layout !== 'NCHW' && layout !== 'NHWC') throw new Error(`--layout must be NCHW or NHWC, got ${layout}`);
const plan = JSON.parse(values.plan ?? '') as Plan;

// Both packages re-export onnxruntime-common's API (one shared copy), so one type fits both. For webgpu,
// 'onnxruntime-web' is the page's JSEP build (ort-jsep-register.mjs) and sessions.ts opens it itself.
const ort = runtime === 'native' ? await import('onnxruntime-node') : await import('onnxruntime-web');
const gc = (globalThis as { gc?: () => void }).gc;

/** Reads the models folder (files checked against the manifest, as the page does) and opens it on `ort`. */
async function loadModels(): Promise<Models> {
  const { manifest, tokenizer } = readModelsDir(MODELS_DIR);
  const options: Parameters<typeof ort.InferenceSession.create>[1] = { graphOptimizationLevel: 'all' };
  if (runtime === 'native') Object.assign(options, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  else {
    ort.env.wasm.numThreads = threads;
    options.executionProviders = ['wasm'];
  }
  return openModels(ort, MODELS_DIR, manifest, tokenizer, options);
}

let models: Models | null = null;
let webgpu: WebGpuModels | null = null;

const driver: Driver = {
  async load() {
    const start = performance.now();
    if (runtime === 'webgpu') {
      webgpu = await loadWebGpuModels(MODELS_DIR, layout);
      models = webgpu.models;
      const loadMs = performance.now() - start;
      return { loadMs, backend: webgpu.backend, threads: 0, note: `onnxruntime-web ${ort.env.versions.web} (${process.env.ORT_BUILD === 'webgpu' ? 'ort.webgpu.min.mjs, the native WebGPU EP' : 'page build ort.min.mjs, JSEP'}) on Dawn (npm webgpu); ${webgpu.note}; Node ${process.version}` };
    }
    models = await loadModels();
    const loadMs = performance.now() - start;
    const version = runtime === 'native' ? `onnxruntime-node ${ort.env.versions.node ?? ort.env.versions.common}` : `onnxruntime-web ${ort.env.versions.web} (Node build)`;
    return { loadMs, backend: runtime === 'native' ? 'cpu' : 'wasm', threads, note: `${version}, Node ${process.version}` };
  },

  async generate({ steps, guidance, timesCalls }) {
    // Timing U-Net calls: steps that wait for each call, as the page does off the GPU sampler.
    const timed = timeModelCalls(timesCalls ? { ...models!, gpuSteps: undefined } : models!);
    const unetMs: number[] = [];
    const start = performance.now();
    for await (const _frame of generate(timed.models, runSettings({ prompt: PROMPT, seed: SEED, steps, guidance, sampler: 'ddim', spacing: 'trailing' }))) {
      unetMs.push(timed.last.unetMs);
    }
    const ms = performance.now() - start;
    return { steps, guidance, ms, textMs: timed.last.textMs, unetMs, wallMs: ms };
  },

  async memory() {
    gc?.();
    const m = process.memoryUsage();
    const method = `process.memoryUsage(): rss; jsBytes = heapUsed + external${gc ? ', after gc()' : ''}`;
    return { rssBytes: m.rss, jsBytes: m.heapUsed + m.external, method };
  },
};

const result = await measure(driver, plan, (line) => process.stderr.write(`  [node-${runtime} ${threads}t] ${line}\n`));
// (TypeScript cannot see that driver.load assigned it.)
const counted = webgpu as WebGpuModels | null;
if (counted) result.gpu = medianCounts(counted.unetCalls);
process.stdout.write(`${JSON.stringify(result)}\n`);
// onnxruntime-web's thread pool keeps worker_threads alive.
process.exit(0);
