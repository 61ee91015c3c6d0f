/**
 * The page's own model loading (src/ort/load-models.ts: fetch + SHA-256 check, backend choice, session
 * creation, test run) on WebGPU in Node: Dawn provides `navigator.gpu` (scripts/webgpu/dawn-node.ts), a tiny
 * HTTP server on a free port provides the models folder as a static host would, and onnxruntime-web
 * must already resolve to the page's JSEP build (scripts/webgpu/ort-jsep-register.mjs). Every U-Net call is
 * also counted on the WebGPU API, so the benchmark can report dispatches per call.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Models } from '../../src/pipeline/models.ts';
import type { WebGpuLayout } from '../../src/ort/sessions.ts';
import { countersSince, installDawn, type GpuCounters } from './dawn-node.ts';

/** WebGPU API calls of one U-Net call. */
export interface UnetCallCounts extends GpuCounters {
  batch: number;
}

/** Models on WebGPU, plus the counts of every U-Net call so far (in call order). */
export interface WebGpuModels {
  models: Models;
  unetCalls: UnetCallCounts[];
  /** Adapter and backend, in words. */
  note: string;
  /** The worker's backend. */
  backend: string;
}

/**
 * Loads `modelsDir` through the page's loader (src/ort/load-models.ts) on Dawn; throws if the worker code ends up on anything but WebGPU.
 * `captureOnSoftware` (default true) checks graph capture on SwiftShader too; false loads as the page does there.
 */
export async function loadWebGpuModels(modelsDir: string, layout?: WebGpuLayout, captureOnSoftware = true): Promise<WebGpuModels> {
  const { counters, adapter } = await installDawn();
  serveFileUrls();
  const server = await serveFolder(modelsDir);
  try {
    const { backendReason, loadModels } = await import('../../src/ort/load-models.ts');
    const port = (server.address() as AddressInfo).port;
    const loaded = await loadModels({
      modelBase: `http://127.0.0.1:${port}/`,
      ortBase: `${pathToFileURL(resolve('node_modules/onnxruntime-web/dist')).href}/`,
      backend: 'webgpu',
      threads: 1,
      onProgress() {},
      captureOnSoftware,
      // ORT_BUILD=webgpu (ort-jsep-hooks.mjs): onnxruntime's native WebGPU EP build, whose binary differs.
      runtimeWasm: process.env.ORT_BUILD === 'webgpu' ? 'ort-wasm-simd-threaded.asyncify.wasm' : undefined,
      webgpuLayout: layout,
    });
    if (loaded.backend !== 'webgpu') throw new Error(`the worker's loader fell back to ${loaded.backend}: ${loaded.reason}`);
    const unetCalls: UnetCallCounts[] = [];
    const inner = loaded.models;
    const models: Models = {
      ...inner,
      async unet(sample, timestep, context, batch) {
        const before = { ...counters };
        const v = await inner.unet(sample, timestep, context, batch);
        unetCalls.push({ batch, ...countersSince(before, counters) });
        return v;
      },
    };
    const gpu = `${adapter.vendor} ${adapter.architecture} ${adapter.description}`.trim();
    return {
      models,
      unetCalls,
      backend: loaded.backend,
      note: `adapter: ${gpu}${adapter.shaderF16 ? ' (shader-f16)' : ''}; ${backendReason(loaded)}; first calls (sessions, test step, capture) ${Math.round(loaded.firstCallMs)} ms`,
    };
  } finally {
    server.close();
  }
}

/**
 * The loader fetches onnxruntime's .wasm from `ortBase` (runtime-files.ts), which here is a file: URL
 * (Node imports the .mjs glue from there; it cannot import over http). Node's fetch has no file: URLs,
 * so they are answered from the disk, with a Content-Length as a static host sends.
 */
function serveFileUrls() {
  const original = globalThis.fetch;
  if ((original as { fileUrls?: boolean }).fileUrls) return;
  const patched = async (input: string | URL | Request, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.startsWith('file:')) return original(input, init);
    const bytes = readFileSync(fileURLToPath(url));
    return new Response(bytes, { headers: { 'Content-Length': String(bytes.length), 'Content-Type': 'application/wasm' } });
  };
  globalThis.fetch = Object.assign(patched, { fileUrls: true }) as typeof fetch;
}

/** Serves the files of `dir` on 127.0.0.1 at a free port (sessions.ts fetches; Node's fetch has no file: URLs). */
async function serveFolder(dir: string): Promise<Server> {
  const root = resolve(dir);
  const server = createServer((req, res) => {
    const path = join(root, decodeURIComponent((req.url ?? '/').split('?')[0]));
    if (!path.startsWith(root) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': path.endsWith('.json') ? 'application/json' : 'application/octet-stream', 'Content-Length': statSync(path).size });
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return server;
}
