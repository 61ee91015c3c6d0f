/**
 * Loads the models in the page's worker: gets the files named by manifest.json (model/model-files.ts:
 * progress, size and SHA-256 checks, Cache Storage) and onnxruntime's runtime, picks an execution
 * provider (WebGPU when a real adapter works, else WASM with threads when cross-origin isolated), opens
 * the sessions and wraps them as the pipeline's Models (session-models.ts).
 */
import * as ort from 'onnxruntime-web';
import { evictStale, fetchManifestJson, loadFile, openModelCache, parseJson } from '../model/model-files.ts';
import { parseManifest, type Manifest } from '../model/manifest.ts';
import type { Models } from '../pipeline/models.ts';
import { Tokenizer } from '../text/tokenizer.ts';
import type { Backend, BackendPreference, LoadPhase } from '../worker/protocol.ts';
import { chooseBackend, fmtMs, testRun, timeStep } from './backend-choice.ts';
import { fetchRuntime } from './runtime-files.ts';
import { modelsOf, scorerOf } from './session-models.ts';
import { createSession, createWasmSessions, exclusive, messageOf, releaseAll, sessionOptions, WEBGPU_LAYOUT, type Sessions, type WebGpuLayout } from './sessions.ts';
import { gpuSamplerState, openGpuSteps, openWebGpu } from './webgpu-sessions.ts';

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
   * its set-up (a second session, three U-Net calls) adds a long wait to the load; benchmarks that
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

/** Loaded models and how they run. */
export interface LoadedModels {
  models: Models;
  backend: Backend;
  /** Why this backend and how it runs, as fixed at load (backendReason adds what can change later). */
  reason: string;
  /** WASM threads; 0 for WebGPU. */
  threads: number;
  /** Milliseconds of the first calls on the chosen backend (session creation; WebGPU: + test step, capture). */
  firstCallMs: number;
  /** Whether the CLIP match score is available, and if not, why (the page works without it). */
  scorer: { available: boolean; note: string };
}

/** The backend badge's reason now: the load's, and the GPU sampler's state, which a failed step check turns off. */
export function backendReason(loaded: Pick<LoadedModels, 'models' | 'reason'>): string {
  const sampler = gpuSamplerState(loaded.models.gpuSteps);
  return sampler ? `${loaded.reason}; ${sampler}` : loaded.reason;
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
    throw new Error(`${manifest.tokenizer.file}: max_length ${tokenizer.maxLength} differs from manifest.json's ${manifest.tokenizer.max_length}`);
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
  const wrap = (sessions: Sessions) => modelsOf(ort, manifest, tokenizer, sessions, exclusive);

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
      const models = wrap(sessions);
      let reason = choice.reason;
      try {
        await testRun(models);
        const samplerNote = await openGpuSteps(manifest, sessions, models, choice.software === true);
        reason = [choice.reason, capture, samplerNote].filter(Boolean).join('; ');
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
          const wasmModels = wrap(wasmSessions);
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
        const scorer = await openScorer(models, sessions, manifest, imageBytes, 'webgpu', layout);
        return { models, backend: 'webgpu', reason, threads: 0, firstCallMs, scorer };
      }
    }
  }
  if (!wasm) {
    phase({ step: 'compile', backend: 'wasm' });
    const started = performance.now();
    const sessions = await createWasmSessions(manifest, textBytes, unetBytes);
    wasm = { sessions, models: wrap(sessions) };
    firstCallMs = performance.now() - started;
  }
  const scorer = await openScorer(wasm.models, wasm.sessions, manifest, imageBytes, 'wasm');
  return { models: wasm.models, backend: 'wasm', reason: choice.reason + threadNote, threads, firstCallMs, scorer };
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
    models.scorer = scorerOf(ort, manifest, spec, sessions.textEncoder, session, exclusive);
    // One call on zeros now, so a backend that cannot run it is found here rather than mid-generation.
    const e = await models.scorer.embedImage(new Float32Array(manifest.channels * manifest.resolution ** 2), 1);
    if (!e.every(Number.isFinite)) throw new Error(`${spec.file}: outputs are not finite`);
    return { available: true, note: `match score by ${spec.file}` };
  } catch (err) {
    delete models.scorer;
    return { available: false, note: `match score off: ${messageOf(err)}` };
  }
}
