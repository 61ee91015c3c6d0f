/// <reference types="vitest/config" />
import { copyFileSync, createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const ortDist = resolve(root, 'node_modules/onnxruntime-web/dist');

/**
 * The onnxruntime-web runtime files the page loads at run time, served from `<base>/ort/`.
 * `ort.min.mjs` (the build without embedded runtime, aliased below) supports both the WASM and the
 * WebGPU execution providers through the "jsep" runtime, so only that pair is needed (~28 MB).
 */
const ORT_RUNTIME_FILES = ['ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'];

/**
 * Why not the default `onnxruntime-web` bundle: it embeds the Emscripten glue and spawns its WASM
 * threads from its own URL, which after bundling is our worker chunk, so every pthread would also run
 * our worker's code. Loading the glue from a fixed same-origin folder keeps threads clean and makes
 * no request to any CDN.
 */
function ortRuntime(): Plugin {
  const contentType = (file: string) => (file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
  return {
    name: 'ort-runtime',
    configureServer(server) {
      server.middlewares.use('/ort', (req, res, next) => {
        const file = (req.url ?? '').split('?')[0].replace(/^\//, '');
        if (!ORT_RUNTIME_FILES.includes(file)) return next();
        const path = join(ortDist, file);
        res.setHeader('Content-Type', contentType(file));
        res.setHeader('Content-Length', statSync(path).size);
        for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
        createReadStream(path).pipe(res);
      });
    },
    writeBundle(options) {
      const outDir = join(options.dir ?? resolve(root, 'dist'), 'ort');
      mkdirSync(outDir, { recursive: true });
      for (const file of ORT_RUNTIME_FILES) {
        const src = join(ortDist, file);
        if (!existsSync(src)) throw new Error(`ort-runtime: missing ${src}; run npm ci`);
        copyFileSync(src, join(outDir, file));
      }
    },
  };
}

/** Makes `crossOriginIsolated` true, which WASM threads (SharedArrayBuffer) require. */
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // Relative base: the built page works from any folder of a static host.
  base: './',
  plugins: [react(), ortRuntime()],
  resolve: {
    alias: [{ find: /^onnxruntime-web$/, replacement: join(ortDist, 'ort.min.mjs') }],
  },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  build: { target: 'es2022', chunkSizeWarningLimit: 1024 },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    environment: 'node',
  },
});
