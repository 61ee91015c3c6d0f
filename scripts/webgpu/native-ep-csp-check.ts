/**
 * Does onnxruntime's native WebGPU build (`onnxruntime-web/webgpu`: ort.webgpu.min.mjs and its
 * ort-wasm-simd-threaded.asyncify.{mjs,wasm}) run under the page's Content-Security-Policy? Serves that
 * build and one model with index.html's policy and COOP/COEP (so WASM threads start), opens it in
 * Debian's Chromium with WebGPU (SwiftShader here), runs the model on WebGPU and on WASM with 1 and 2
 * threads, and prints each result and every policy violation the page reports:
 *   npx tsx scripts/webgpu/native-ep-csp-check.ts MODEL.onnx '{"x":[2,16,16,64]}'
 * (training/webgpu_op_graphs.py writes small models, e.g. groupnorm-silu1.onnx.) Exit code 1 on a violation.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { chromium } from '@playwright/test';

const [modelPath, shapesJson] = process.argv.slice(2);
if (!modelPath || !shapesJson) throw new Error('usage: native-ep-csp-check.ts MODEL.onnx SHAPES_JSON');
const CSP = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(readFileSync('index.html', 'utf8'))?.[1];
if (!CSP) throw new Error('index.html: no Content-Security-Policy meta tag');
const dist = resolve('node_modules/onnxruntime-web/dist');
const RUNTIME = ['ort.webgpu.min.mjs', 'ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];

// The page: a module script (inline scripts are forbidden by the policy) that runs the model and logs.
const PROBE = `
const log = (s) => { document.body.append(s + '\\n'); };
addEventListener('securitypolicyviolation', (e) => log('VIOLATION ' + e.violatedDirective + ' ' + e.blockedURI));
const ort = await import('./ort.webgpu.min.mjs');
const params = new URLSearchParams(location.search);
ort.env.wasm.wasmPaths = new URL('./', location.href).href;
ort.env.wasm.numThreads = Number(params.get('threads'));
const shapes = JSON.parse(params.get('shapes'));
const model = new Uint8Array(await (await fetch('./model.onnx')).arrayBuffer());
for (const ep of ['webgpu', 'wasm']) {
  try {
    const session = await ort.InferenceSession.create(model, { executionProviders: [ep] });
    const feeds = Object.fromEntries(Object.entries(shapes).map(([k, s]) =>
      [k, new ort.Tensor('float32', Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i)), s)]));
    const out = Object.values(await session.run(feeds))[0];
    log(ep + ' ok: ' + Array.from((await out.getData()).slice(0, 3)).map((v) => v.toFixed(4)).join(' '));
  } catch (err) {
    log(ep + ' error: ' + err);
  }
}
log('crossOriginIsolated ' + self.crossOriginIsolated + '; done');`;

const files: Record<string, [string, Buffer | string]> = {
  '/': ['text/html', '<!doctype html><meta charset="utf-8"><body style="white-space: pre"><script type="module" src="./probe.mjs"></script>'],
  '/probe.mjs': ['text/javascript', PROBE],
  '/model.onnx': ['application/octet-stream', readFileSync(modelPath)],
  ...Object.fromEntries(RUNTIME.map((f) => [`/${f}`, [f.endsWith('.wasm') ? 'application/wasm' : 'text/javascript', readFileSync(join(dist, f))]])),
};
const server = createServer((req, res) => {
  const file = files[(req.url ?? '/').split('?')[0]];
  if (!file) return res.writeHead(404).end();
  res.writeHead(200, {
    'Content-Type': file[0],
    'Content-Security-Policy': CSP,
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
  });
  res.end(file[1]);
});
await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
const port = (server.address() as { port: number }).port;

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--enable-unsafe-webgpu'] });
let violations = 0;
for (const threads of [1, 2]) {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/?threads=${threads}&shapes=${encodeURIComponent(shapesJson)}`);
  await page.waitForFunction(() => document.body.textContent?.includes('done'), null, { timeout: 300_000 });
  const text = (await page.textContent('body')) ?? '';
  violations += text.split('\n').filter((l) => l.startsWith('VIOLATION')).length;
  console.log(`threads ${threads}:\n${text.trim()}`);
  await page.close();
}
await browser.close();
server.close();
process.exit(violations ? 1 : 0);
