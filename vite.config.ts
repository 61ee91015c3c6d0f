/// <reference types="vitest/config" />
import { copyFileSync, createReadStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Connect, type Plugin } from 'vite';

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

/**
 * The Content-Security-Policy of index.html's meta tag (one copy of the policy). The served page also
 * gets it as a header: a meta tag covers the document only, a header also covers the inference
 * worker's script and can carry frame-ancestors, which a meta tag cannot.
 */
const CSP = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(readFileSync(resolve(root, 'index.html'), 'utf8'))?.[1];
if (!CSP) throw new Error('index.html: no Content-Security-Policy meta tag');

/** What `vite preview` sends with every file, as a static host should (README, "Deploying"). */
const PREVIEW_HEADERS = {
  ...ISOLATION_HEADERS,
  'Content-Security-Policy': `${CSP}; frame-ancestors 'none'`,
  'X-Content-Type-Options': 'nosniff',
};

/** Types the static server would leave empty or guess: with nosniff the browser trusts only these. */
const CONTENT_TYPES: Record<string, string> = {
  '.onnx': 'application/octet-stream',
  '.wasm': 'application/wasm',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.md': 'text/markdown; charset=utf-8',
};

const setContentType: Connect.NextHandleFunction = (req, res, next) => {
  const type = CONTENT_TYPES[extname((req.url ?? '').split('?')[0])];
  if (type) res.setHeader('Content-Type', type); // the static middleware keeps a type already set
  next();
};

/** Sets content types and nosniff in dev and preview; in dev drops the CSP meta tag (see below). */
function deployHeaders(): Plugin {
  return {
    name: 'deploy-headers',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        res.setHeader('X-Content-Type-Options', 'nosniff');
        setContentType(req, res, next);
      });
    },
    configurePreviewServer(server) {
      server.middlewares.use(setContentType);
    },
    // The dev server injects an inline script (React Fast Refresh) and <style> tags (CSS), which the
    // policy rightly forbids; the built page has neither, so only `vite build`/`preview` enforce it.
    transformIndexHtml: {
      order: 'pre',
      handler: (html, ctx) => (ctx.server ? html.replace(/\s*<meta\s+http-equiv="Content-Security-Policy"[^>]*>/, '') : html),
    },
  };
}

export default defineConfig({
  // Relative base: the built page works from any folder of a static host.
  base: './',
  plugins: [react(), ortRuntime(), deployHeaders()],
  resolve: {
    alias: [{ find: /^onnxruntime-web$/, replacement: join(ortDist, 'ort.min.mjs') }],
  },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: PREVIEW_HEADERS },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      // The service worker is its own entry, at the site's root under a fixed name (its scope is the page's folder).
      input: { index: resolve(root, 'index.html'), sw: resolve(root, 'src/sw.ts') },
      output: { entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js') },
    },
  },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'scripts/**/*.test.ts'],
    environment: 'node',
  },
});
