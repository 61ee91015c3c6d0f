/**
 * The only module that imports onnxruntime-web. Gets the files named by manifest.json through
 * model-files.ts (progress, size and SHA-256 checks, Cache Storage), picks an execution provider
 * (WebGPU when a real adapter works, else WASM with threads when cross-origin isolated), checks each
 * session's inputs and outputs against the manifest, and wraps the sessions as the pipeline's
 * `Models` functions.
 */
import * as ort from 'onnxruntime-web';
import { checkIoSpec, contextShape, parseManifest, type ImageEncoderSpec, type Manifest, type ModelSpec } from '../model/manifest.ts';
import { Tokenizer } from '../text/tokenizer.ts';
import { CAPTURE_OPTIONS, checkCapture, createCapturedUnet, createUnetIo, gpuUnetOf, rows, type CapturedUnet, type GpuUnet, type UnetDims, type UnetIo } from './captured-unet.ts';
import { createGpuSteps } from './gpu-steps.ts';
import { normaliseRows } from './match.ts';
import { fetchRuntime } from './runtime-files.ts';
import { evictStale, fetchManifestJson, loadFile, openModelCache, parseJson } from './model-files.ts';
import type { GpuSteps, Models, Scorer } from './pipeline.ts';
import type { Backend, BackendPreference, LoadPhase } from './protocol.ts';

/** Where the files are, which backend to prefer, and who hears about download progress. */
export interface LoadOptions {
  /** Absolute URL of the folder holding manifest.json, ending in '/'. */
  modelBase: string;
  /** Absolute URL of the folder holding ort-wasm-simd-threaded.jsep.{mjs,wasm}, ending in '/'. */
  ortBase: string;
  backend: BackendPreference;
  /** WASM threads wanted; 0 = up to 4 (as many cores as the browser reports). */
  threads: number;
  /** Bytes of `file` received so far (total from the manifest). */
  onProgress(file: string, loaded: number, total: number): void;
  /** The load entered a phase after the download (first calls, timing the backends): for the page to say so. */
  onPhase?(phase: LoadPhase): void;
  /**
   * Graph capture on a software (CPU-emulated) adapter too. Off in the page: there it gains nothing and
   * its set-up (a second session, three U-Net calls) adds ~a minute to the load; benchmarks that
   * check capture on SwiftShader turn it on.
   */
  captureOnSoftware?: boolean;
  /** JSEP's memory layout for Conv and normalisation kernels on WebGPU (default WEBGPU_LAYOUT). */
  webgpuLayout?: WebGpuLayout;
  /**
   * The runtime binary in `ortBase` when `onnxruntime-web` is not the page's build (default
   * RUNTIME_WASM): the native WebGPU EP's build (ort.webgpu.min.mjs) loads ort-wasm-simd-threaded.asyncify.wasm.
   */
  runtimeWasm?: string;
}

/** JSEP's preferredLayout: NHWC runs Conv channels-last with Transposes around it; NCHW runs it in place. */
export type WebGpuLayout = 'NCHW' | 'NHWC';

/** Loaded models and how they run. */
export interface LoadedModels {
  models: Models;
  backend: Backend;
  /** Why this backend, in a few words. */
  reason: string;
  /** WASM threads; 0 for WebGPU. */
  threads: number;
  /** Milliseconds of the first calls on the chosen backend (session creation; WebGPU: + test step, capture). */
  firstCallMs: number;
  /** Whether the CLIP match score is available, and if not, why (the page works without it). */
  scorer: { available: boolean; note: string };
}

/** Downloads (or reads from the cache), verifies and opens the models. Throws "<file>: <what went wrong>" errors. */
export async function loadModels(options: LoadOptions): Promise<LoadedModels> {
  // The runtime downloads alongside the manifest and models rather than after them.
  const runtime = fetchRuntime(options.ortBase, options.onProgress, options.runtimeWasm);
  runtime.catch(() => undefined); // awaited below; a failure before that must not be "unhandled"
  // The adapter request needs no file either: during the download too.
  const choosing = chooseBackend(options.backend);
  const phase = (p: LoadPhase) => options.onPhase?.(p);
  const layout = options.webgpuLayout ?? WEBGPU_LAYOUT;
  const base = options.modelBase;
  const cache = await openModelCache();
  const manifest = parseManifest(await fetchManifestJson(base, cache));
  await evictStale(cache, base, manifest);
  const tokenizerSpec = manifest.tokenizer;
  const tokenizer = Tokenizer.fromJson(parseJson(tokenizerSpec.file, await loadFile(base, tokenizerSpec, cache)));
  if (tokenizer.maxLength !== manifest.tokenizer.max_length) {
    throw new Error(
      `${manifest.tokenizer.file}: max_length ${tokenizer.maxLength} differs from manifest.json's ${manifest.tokenizer.max_length}`,
    );
  }
  const imageSpec = manifest.image_encoder;
  const [wasmBinary, textBytes, unetBytes, imageBytes] = await Promise.all([
    runtime,
    loadFile(base, manifest.text_encoder, cache, options.onProgress),
    loadFile(base, manifest.unet, cache, options.onProgress),
    // Optional: without it the page only loses the match score, so its failure is a note, not an error.
    imageSpec ? loadFile(base, imageSpec, cache, options.onProgress).catch((err: unknown) => messageOf(err)) : null,
  ]);

  const wanted = options.threads || Math.min(navigator.hardwareConcurrency || 1, 4);
  const threads = self.crossOriginIsolated ? Math.max(1, wanted) : 1;
  ort.env.wasm.wasmPaths = options.ortBase;
  ort.env.wasm.wasmBinary = wasmBinary;
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';

  const choice = await choosing;
  const threadNote = !self.crossOriginIsolated
    ? ' (1 thread: page is not cross-origin isolated)'
    : options.threads ? ` (${threads} threads by ?threads=)` : '';
  let wasm: { sessions: Sessions; models: Models } | null = null;
  let firstCallMs = 0;
  if (choice.backend === 'webgpu') {
    phase({ step: 'compile', backend: 'webgpu' });
    const started = performance.now();
    let sessions: Sessions | null = null;
    let capture = '';
    try {
      ({ sessions, capture } = await openWebGpu(manifest, textBytes, unetBytes, layout, !choice.software || options.captureOnSoftware === true));
    } catch (err) {
      choice.reason = `WebGPU session failed: ${messageOf(err)}`;
    }
    if (sessions) {
      const models = wrap(manifest, tokenizer, sessions);
      let reason = choice.reason;
      try {
        await testRun(models);
        reason = `${choice.reason}; ${capture}; ${await openGpuSteps(manifest, sessions, models, choice.software === true)}`;
        firstCallMs = performance.now() - started;
      } catch (err) {
        choice.reason = `WebGPU test run failed: ${messageOf(err)}`;
        await releaseAll(sessions);
        sessions = null;
      }
      if (sessions && options.backend === 'auto') {
        // Auto mode keeps WebGPU only if a warm guided step is faster there than on WASM, timed here
        // (a real GPU can still lose: per-kernel overhead, docs/benchmark.md).
        let wasmSessions: Sessions | null = null;
        try {
          phase({ step: 'time' });
          const gpuMs = await timeStep(models);
          const wasmStarted = performance.now();
          wasmSessions = await createWasmSessions(manifest, textBytes, unetBytes);
          const wasmModels = wrap(manifest, tokenizer, wasmSessions);
          await testRun(wasmModels); // warm-up
          const wasmFirstCallMs = performance.now() - wasmStarted;
          const wasmMs = await timeStep(wasmModels);
          const timing = `WebGPU ${fmtMs(gpuMs)}, WASM ${fmtMs(wasmMs)} per guided step`;
          if (wasmMs < gpuMs) {
            const gpu = sessions;
            sessions = null;
            choice.reason = `timed at load: ${timing}`;
            wasm = { sessions: wasmSessions, models: wasmModels };
            firstCallMs = wasmFirstCallMs;
            await releaseAll(gpu).catch(() => undefined);
          } else {
            reason = `${reason}; timed at load: ${timing}`;
            await releaseAll(wasmSessions);
          }
        } catch (err) {
          reason = `${reason}; WASM not timed: ${messageOf(err)}`;
          if (wasmSessions && !wasm) await releaseAll(wasmSessions).catch(() => undefined);
        }
      }
      if (sessions) {
        return { models, backend: 'webgpu', reason, threads: 0, firstCallMs, scorer: await openScorer(models, sessions, manifest, imageBytes, 'webgpu', layout) };
      }
    }
  }
  if (!wasm) {
    phase({ step: 'compile', backend: 'wasm' });
    const started = performance.now();
    const sessions = await createWasmSessions(manifest, textBytes, unetBytes);
    wasm = { sessions, models: wrap(manifest, tokenizer, sessions) };
    firstCallMs = performance.now() - started;
  }
  const scorer = await openScorer(wasm.models, wasm.sessions, manifest, imageBytes, 'wasm');
  return { models: wasm.models, backend: 'wasm', reason: choice.reason + threadNote, threads, firstCallMs, scorer };
}

async function releaseAll(sessions: Sessions) {
  if (sessions.gpuSteps) sessions.gpuSteps.off = 'the WebGPU sessions were released';
  await Promise.all([sessions.textEncoder.release(), sessions.unet?.release(), sessions.captured?.release()]);
  sessions.gpuIo?.destroy();
}

/** Milliseconds of one guided U-Net step (batch 2) on zeros; the sessions must be warm. */
async function timeStep(models: Models): Promise<number> {
  const L = models.manifest.tokenizer.max_length;
  const { width: D } = contextShape(models.manifest);
  const size = models.manifest.channels * models.manifest.resolution ** 2;
  const context = new Float32Array(2 * L * D);
  const start = performance.now();
  await models.unet(new Float32Array(2 * size), new Float32Array([500, 500]), context, 2);
  return performance.now() - start;
}

function fmtMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/**
 * Opens the image encoder (when the manifest has one and its bytes arrived) and attaches
 * `models.scorer`; any failure leaves the models without a scorer and says why.
 */
async function openScorer(
  models: Models,
  sessions: Sessions,
  manifest: Manifest,
  bytes: Uint8Array | string | null,
  backend: Backend,
  layout: WebGpuLayout = WEBGPU_LAYOUT,
): Promise<LoadedModels['scorer']> {
  const spec = manifest.image_encoder;
  if (!spec || bytes === null) return { available: false, note: 'this model ships no image encoder' };
  if (typeof bytes === 'string') return { available: false, note: `match score off: ${bytes}` };
  try {
    const session = await createSession(spec, bytes, sessionOptions(backend, layout));
    models.scorer = scorerOf(manifest, spec, sessions, session);
    // One call on zeros now, so a backend that cannot run it is found here rather than mid-generation.
    const e = await models.scorer.embedImage(new Float32Array(manifest.channels * manifest.resolution ** 2), 1);
    if (!e.every(Number.isFinite)) throw new Error(`${spec.file}: outputs are not finite`);
    return { available: true, note: `match score by ${spec.file}` };
  } catch (err) {
    delete models.scorer;
    return { available: false, note: `match score off: ${messageOf(err)}` };
  }
}

/** WebGPU only when asked for or when a hardware adapter exists; the reason is shown in the page. */
async function chooseBackend(preference: BackendPreference): Promise<{ backend: Backend; reason: string; software?: boolean }> {
  if (preference === 'wasm') return { backend: 'wasm', reason: 'forced by ?backend=wasm' };
  if (!('gpu' in navigator) || !navigator.gpu) return { backend: 'wasm', reason: 'navigator.gpu missing' };
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    return { backend: 'wasm', reason: `WebGPU adapter request failed: ${messageOf(err)}` };
  }
  if (!adapter) return { backend: 'wasm', reason: 'no WebGPU adapter' };
  const info = adapter.info;
  const software = info?.isFallbackAdapter || /swiftshader/i.test(`${info?.architecture} ${info?.description}`);
  if (preference === 'webgpu') {
    ort.env.webgpu.adapter = adapter;
    return { backend: 'webgpu', reason: 'forced by ?backend=webgpu', software };
  }
  // A CPU-emulated adapter (SwiftShader) runs the U-Net far slower than WASM: not worth it (docs/benchmark.md, "Figures behind choices in the code").
  if (software) return { backend: 'wasm', reason: 'WebGPU adapter is software-emulated; WASM is faster' };
  ort.env.webgpu.adapter = adapter;
  return { backend: 'webgpu', reason: `WebGPU adapter: ${info?.vendor || 'unknown vendor'} ${info?.architecture || ''}`.trim() };
}

/**
 * One guided step on zeros. Some WebGPU failures (an op the adapter cannot run, fp16 overflow to
 * NaN) only show when a model runs; finding them here lets the page fall back to WASM instead of
 * failing the first generation. It also compiles the shaders, so step 1 is not slower than the rest.
 */
async function testRun(models: Models) {
  const L = models.manifest.tokenizer.max_length;
  const size = models.manifest.channels * models.manifest.resolution ** 2;
  const context = await models.encodeText(new Int32Array(2 * L), 2); // [2, L]
  const v = await models.unet(new Float32Array(2 * size), new Float32Array([999, 999]), context, 2);
  if (!context.every(Number.isFinite) || !v.every(Number.isFinite)) throw new Error('outputs are not finite');
}

interface Sessions {
  textEncoder: ort.InferenceSession;
  /** The U-Net, uncaptured; null when `captured` serves every call. */
  unet: ort.InferenceSession | null;
  /** The U-Net at batch 2 under graph capture (WebGPU only, when its check at load passed): every call. */
  captured?: CapturedUnet;
  /** The sampler on the GPU (WebGPU only), over `captured` or else over `unet` on `gpuIo`'s buffers. */
  gpuSteps?: GpuSteps;
  gpuIo?: UnetIo;
}

/** The backend badge's words while the sampler on the GPU is on. */
export const GPU_SAMPLER_ON = 'sampler on the GPU (guided DDIM)';

/**
 * The backend's reason once the sampler on the GPU has turned itself off, the first time it is asked
 * after that (then null again), so the badge says why steps now run on the CPU; else null.
 */
export function gpuSamplerNote(loaded: LoadedModels): string | null {
  const off = loaded.models.gpuSteps?.off;
  if (!off || !loaded.reason.includes(GPU_SAMPLER_ON)) return null;
  loaded.reason = loaded.reason.replace(GPU_SAMPLER_ON, `sampler on the CPU: ${off}`);
  return loaded.reason;
}

/**
 * Puts guided DDIM's sampler on the GPU (gpu-steps.ts), over the captured U-Net when there is one, else
 * over the uncaptured session on GPU buffers; the pipeline checks each of its steps against the CPU's
 * maths. Returns the note for the backend badge. Steps are queued ahead only on a hardware adapter: on
 * a software one a step takes seconds, and queued steps would delay a cancel by as many.
 */
async function openGpuSteps(manifest: Manifest, sessions: Sessions, models: Models, software: boolean): Promise<string> {
  try {
    const { length: L, width: D } = contextShape(manifest);
    let unet: GpuUnet | undefined = sessions.captured;
    if (!unet) {
      if (!sessions.unet) throw new Error('no U-Net session');
      sessions.gpuIo = createUnetIo((await ort.env.webgpu.device) as GPUDevice, { C: manifest.channels, R: manifest.resolution, L, D });
      unet = gpuUnetOf(sessions.unet, sessions.gpuIo);
    }
    sessions.gpuSteps = createGpuSteps(unet, exclusive, software ? 1 : 4);
    models.gpuSteps = sessions.gpuSteps;
    return GPU_SAMPLER_ON;
  } catch (err) {
    sessions.gpuIo?.destroy();
    delete sessions.gpuIo;
    return `sampler on the CPU: ${messageOf(err)}`;
  }
}

/**
 * The WebGPU sessions. With capture wanted, the U-Net opens once, under graph capture at batch 2, and
 * serves batch-1 calls too (their row duplicated); the uncaptured U-Net opens only when capture is not
 * wanted or fails. That is one session and one U-Net call fewer in the first calls, and on a GPU a
 * batch-1 call through the captured graph costs about what a captured batch-2 call does, far less than an
 * uncaptured one (docs/benchmark.md, "Figures behind choices in the code").
 */
async function openWebGpu(
  manifest: Manifest,
  textBytes: Uint8Array,
  unetBytes: Uint8Array,
  layout: WebGpuLayout,
  captureWanted: boolean,
): Promise<{ sessions: Sessions; capture: string }> {
  const options = sessionOptions('webgpu', layout);
  const textEncoder = await createSession(manifest.text_encoder, textBytes, options);
  try {
    let capture = 'graph capture off: software adapter';
    if (captureWanted) {
      const opened = await openCapture(manifest, unetBytes, options);
      if (typeof opened !== 'string') return { sessions: { textEncoder, unet: null, captured: opened }, capture: 'graph capture on' };
      capture = opened;
    }
    return { sessions: { textEncoder, unet: await createSession(manifest.unet, unetBytes, options) }, capture };
  } catch (err) {
    await textEncoder.release();
    throw err;
  }
}

/**
 * Opens the U-Net under graph capture and checks its replays (checkCapture, whose first call is the
 * capture). Returns it, or why not ("graph capture off: ...").
 */
async function openCapture(manifest: Manifest, bytes: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<CapturedUnet | string> {
  const { length: L, width: D } = contextShape(manifest);
  const dims: UnetDims = { C: manifest.channels, R: manifest.resolution, L, D };
  let session: ort.InferenceSession | null = null;
  let captured: CapturedUnet | null = null;
  try {
    // CAPTURE_OPTIONS fix the symbolic batch at 2, so the session reports 2 where manifest.json says "batch".
    const atBatch2 = (ios: ModelSpec['inputs']) => ios.map((io) => ({ ...io, shape: io.shape.map((d) => (d === 'batch' ? 2 : d)) }));
    const spec = { ...manifest.unet, inputs: atBatch2(manifest.unet.inputs), outputs: atBatch2(manifest.unet.outputs) };
    session = await createSession(spec, bytes, { ...options, ...CAPTURE_OPTIONS });
    captured = await createCapturedUnet(session, dims);
    const cap = captured;
    const why = await checkCapture({ run: (s, t, c) => exclusive(() => cap.run(s, t, c)) }, dims);
    if (why) throw new Error(why);
    return captured;
  } catch (err) {
    await (captured ?? session)?.release().catch(() => undefined);
    return `graph capture off: ${messageOf(err)}`;
  }
}

/**
 * WebGPU runs NHWC (JSEP's default), although it wraps every Conv and InstanceNormalization in
 * Transposes (502 kernels per U-Net call against NCHW's 322): JSEP's NCHW Conv kernel is the slower one,
 * and on a real GPU the Convs dominate a step (docs/benchmark.md, "Figures behind choices in the code").
 */
export const WEBGPU_LAYOUT: WebGpuLayout = 'NHWC';

const sessionOptions = (backend: Backend, layout: WebGpuLayout = WEBGPU_LAYOUT): ort.InferenceSession.SessionOptions => ({
  executionProviders: [backend === 'webgpu' ? { name: 'webgpu', preferredLayout: layout } : backend],
  graphOptimizationLevel: 'all',
});

/** The WASM sessions (WebGPU's are openWebGpu's). */
async function createWasmSessions(manifest: Manifest, textBytes: Uint8Array, unetBytes: Uint8Array): Promise<Sessions> {
  const options = sessionOptions('wasm');
  const textEncoder = await createSession(manifest.text_encoder, textBytes, options);
  try {
    const unet = await createSession(manifest.unet, unetBytes, options);
    return { textEncoder, unet };
  } catch (err) {
    await textEncoder.release();
    throw err;
  }
}

async function createSession(spec: ModelSpec, bytes: Uint8Array, options: ort.InferenceSession.SessionOptions) {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, options);
  } catch (err) {
    throw new Error(`${spec.file}: could not open the model (${messageOf(err)})`);
  }
  try {
    checkIoSpec(spec.file, spec, session);
  } catch (err) {
    await session.release();
    throw err;
  }
  return session;
}

/** ORT sessions must not run concurrently; a replaced generation may still be inside a call. */
function serialised() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const result = tail.then(fn);
    tail = result.catch(() => undefined);
    return result;
  };
}

/** ORT sessions must not run concurrently: one queue for every session of the page. */
const exclusive = serialised();

/** Runs a session, copies the one wanted output to a Float32Array, disposes every output. */
function runner() {
  return (session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, output: string, file: string) =>
    exclusive(async () => {
      let results: ort.InferenceSession.OnnxValueMapType | undefined;
      try {
        results = await session.run(feeds, [output]);
        const tensor = results[output];
        if (tensor.type !== 'float32') throw new Error(`output '${output}' is ${tensor.type}, expected float32`);
        return new Float32Array((await tensor.getData()) as Float32Array);
      } catch (err) {
        throw new Error(`${file}: ${messageOf(err)}`);
      } finally {
        for (const value of Object.values(results ?? {})) value.dispose();
      }
    });
}

function wrap(manifest: Manifest, tokenizer: Tokenizer, sessions: Sessions): Models {
  const { length: L, width: D } = contextShape(manifest);
  const R = manifest.resolution;
  const C = manifest.channels;
  const runOne = runner();

  return {
    manifest,
    tokenizer,
    // ids [B, L] int32 -> hidden states [B, L, D]
    async encodeText(ids, batch) {
      expectLength(manifest.text_encoder.file, 'input_ids', ids.length, batch * L);
      const feeds = { input_ids: new ort.Tensor('int32', ids, [batch, L]) };
      return runOne(sessions.textEncoder, feeds, 'hidden_states', manifest.text_encoder.file);
    },
    // sample [B, C, R, R], timestep [B], context [B, L, D] -> v [B, C, R, R]
    async unet(sample, timestep, context, batch) {
      const file = manifest.unet.file;
      expectLength(file, 'sample', sample.length, batch * C * R * R);
      expectLength(file, 'timestep', timestep.length, batch);
      expectLength(file, 'encoder_hidden_states', context.length, batch * L * D);
      const captured = sessions.captured;
      if (captured && batch <= 2) {
        // Batch 1 as its row twice (the captured graph has batch 2), keeping the first row's v.
        const [s, t, c] = batch === 2 ? [sample, timestep, context] : [rows(sample, sample), rows(timestep, timestep), rows(context, context)];
        const v = await exclusive(() => captured.run(s, t, c).catch((err: unknown) => {
          throw new Error(`${file}: ${messageOf(err)}`);
        }));
        return batch === 2 ? v : v.slice(0, C * R * R);
      }
      if (!sessions.unet) throw new Error(`${file}: batch ${batch} needs the uncaptured session, which is not open`);
      const feeds = {
        sample: new ort.Tensor('float32', sample, [batch, C, R, R]),
        timestep: new ort.Tensor('float32', timestep, [batch]),
        encoder_hidden_states: new ort.Tensor('float32', context, [batch, L, D]),
      };
      return runOne(sessions.unet, feeds, 'v', file);
    },
  };
}

/** The CLIP pair over the text encoder's `pooled` output and the image encoder. */
function scorerOf(manifest: Manifest, spec: ImageEncoderSpec, sessions: Sessions, image: ort.InferenceSession): Scorer {
  const L = manifest.tokenizer.max_length;
  const R = manifest.resolution;
  const C = manifest.channels;
  const E = spec.embedDim;
  const run = runner();
  return {
    async embedText(ids, batch) {
      expectLength(manifest.text_encoder.file, 'input_ids', ids.length, batch * L);
      const pooled = await run(sessions.textEncoder, { input_ids: new ort.Tensor('int32', ids, [batch, L]) }, 'pooled', manifest.text_encoder.file);
      return normaliseRows(pooled, E);
    },
    async embedImage(pixels, batch) {
      expectLength(spec.file, 'pixels', pixels.length, batch * C * R * R);
      return run(image, { pixels: new ort.Tensor('float32', pixels, [batch, C, R, R]) }, 'embedding', spec.file);
    },
  };
}

function expectLength(file: string, input: string, got: number, want: number) {
  if (got !== want) throw new Error(`${file}: input '${input}' needs ${want} values, got ${got}`);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
