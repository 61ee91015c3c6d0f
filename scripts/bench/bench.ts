/**
 * `npm run bench`: how fast the model runs on every backend this machine has, measured the same way
 * on each (scripts/bench/bench-protocol.ts), printed as a table and written to bench-results/<time>.json.
 *
 * Backends:
 *   wasm-browser    the built page (vite preview, cross-origin isolated) in headless Chromium,
 *                   `?backend=wasm&threads=N`; timings come from the worker's own step/complete events.
 *   webgpu-browser  the same page with `?backend=webgpu` on Chromium's SwiftShader adapter: WebGPU
 *                   emulated on the CPU, so a correctness-path figure, not a GPU one (2 steps only).
 *   wasm-node       onnxruntime-web's Node build, same pipeline (scripts/bench/bench-node.ts).
 *   node-native     onnxruntime-node's native CPU library, same pipeline.
 *   webgpu-node     the page's JSEP build and the worker's own loader (sessions.ts) on Dawn (npm `webgpu`)
 *                   in Node: a real GPU where the Vulkan driver has one, else SwiftShader; also counts
 *                   dispatches, bind groups and writeBuffer calls per U-Net call.
 *
 * Flags: --quick (few repetitions: a smoke test), --only=wasm-browser,node-native,... ,
 *        --steps=20,50 (end-to-end step counts; the first is also the back-to-back series),
 *        --runs=N (length of that series, default 20; e.g. 100 for the memory check),
 *        --threads=1,2, --no-build (reuse dist/), --webgpu-plan=full (the webgpu rows run the
 *        main plan instead of a few 2-step generations: for a real GPU), --help.
 * BENCH_PORT sets the preview server's port (default 4175).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from '@playwright/test';
import { softwareVulkanEnv } from '../webgpu/dawn-node.ts';
import { measure, type Driver, type Measured, type MemorySample, type Plan, type RunRecord } from './bench-protocol.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const PORT = Number(process.env.BENCH_PORT ?? 4175); // Playwright's e2e server uses 4174
const BASE = `http://127.0.0.1:${PORT}/`;
/** Longest wait for one generation or one model load, whatever the backend. */
const WAIT_MS = 20 * 60_000;
const GROUPS = ['wasm-browser', 'webgpu-browser', 'wasm-node', 'node-native', 'webgpu-node'] as const;
type Group = (typeof GROUPS)[number];

// ---------------------------------------------------------------------------------------------
// 1. Flags and plans.
const HELP = `npm run bench -- [--quick] [--only=${GROUPS.join(',')}] [--steps=20,50] [--runs=20] [--threads=1,2] [--no-build] [--webgpu-plan=full]`;
const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    only: { type: 'string' },
    steps: { type: 'string' },
    threads: { type: 'string', default: '1,2' },
    'no-build': { type: 'boolean', default: false },
    'webgpu-plan': { type: 'string', default: 'small' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log(HELP);
  process.exit(0);
}
const numberList = (flag: string, text: string) => {
  const list = text.split(',').map(Number);
  if (!list.every((n) => Number.isInteger(n) && n >= 1)) throw new Error(`--${flag}: expected positive integers, got "${text}"`);
  return list;
};
const only = flags.only ? (flags.only.split(',') as Group[]) : [...GROUPS];
for (const g of only) if (!GROUPS.includes(g)) throw new Error(`--only: unknown backend "${g}" (known: ${GROUPS.join(', ')})`);
const threadCounts = numberList('threads', flags.threads!);

/** Full run: 20 calls per batch size, 20 generations in a row, 20- and 50-step generations. */
const plan: Plan = flags.quick
  ? { calls: 2, runs: 2, steps: [2, 3], extraRuns: 1 }
  : { calls: 20, runs: 20, steps: [20, 50], extraRuns: 3 };
if (flags.steps) plan.steps = numberList('steps', flags.steps);
// --runs=100: the back-to-back series' length (memory after the first and the last generation).
if (flags.runs) plan.runs = numberList('runs', flags.runs)[0];
/** SwiftShader runs far slower than WASM (docs/benchmark.md, "Figures behind choices in the code"): a few 2-step generations say whether the path works and roughly how fast. */
const webgpuPlan: Plan = flags['webgpu-plan'] === 'full' ? plan : { calls: 2, runs: 2, steps: [2], extraRuns: 1 };
if (!['full', 'small'].includes(flags['webgpu-plan']!)) throw new Error(`--webgpu-plan: full or small, got "${flags['webgpu-plan']}"`);

// ---------------------------------------------------------------------------------------------
// 2. The backends, in the order they run.
interface Backend {
  id: string;
  group: Group;
  threads: number;
  label: string;
  plan: Plan;
}
const backends: Backend[] = [];
for (const group of only) {
  if (group === 'webgpu-browser') {
    backends.push({ id: group, group, threads: 0, label: 'WebGPU, Chromium, SwiftShader (CPU-emulated)', plan: webgpuPlan });
    continue;
  }
  if (group === 'webgpu-node') {
    backends.push({ id: group, group, threads: 0, label: 'WebGPU (JSEP, page build), Node on Dawn', plan: webgpuPlan });
    continue;
  }
  const label = { 'wasm-browser': 'ORT-web WASM, Chromium', 'wasm-node': 'ORT-web WASM, Node', 'node-native': 'ORT native CPU, Node' }[group];
  for (const threads of threadCounts) backends.push({ id: `${group}-${threads}t`, group, threads, label, plan });
}

const loadStart = loadavg()[0];
log(`plan: ${JSON.stringify(plan)}${only.includes('webgpu-browser') ? `; webgpu: ${JSON.stringify(webgpuPlan)}` : ''}`);
if (loadStart > 0.25 * cpus().length) log(`warning: load average ${loadStart.toFixed(2)} on ${cpus().length} cores: other work will skew the figures`);

// ---------------------------------------------------------------------------------------------
// 3. Run each backend; a failure is recorded and the rest go on.
interface Result {
  backend: Backend;
  measured?: Measured;
  error?: string;
}
const results: Result[] = [];
let server: ChildProcess | null = null;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server?.kill();
    process.exit(130);
  });
}
let chromiumVersion: string | null = null;
try {
  for (const backend of backends) {
    log(`== ${backend.id}: ${backend.label}`);
    try {
      if (backend.group === 'wasm-node' || backend.group === 'node-native' || backend.group === 'webgpu-node') {
        results.push({ backend, measured: await runNodeChild(backend) });
      } else {
        server ??= await startPreview(!flags['no-build']);
        results.push({ backend, measured: await runInBrowser(backend) });
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log(`  failed: ${message}`);
      results.push({ backend, error: message.split('\n')[0] });
    }
  }
} finally {
  server?.kill();
}

// ---------------------------------------------------------------------------------------------
// 4. JSON, then the table.
const manifest = JSON.parse(readFileSync('public/models/manifest.json', 'utf8'));
const report = {
  format: 1,
  date: new Date().toISOString(),
  git: git(['rev-parse', '--short', 'HEAD']) + (git(['status', '--porcelain', '--untracked-files=no']) ? '+dirty' : ''),
  flags: process.argv.slice(2),
  plan,
  webgpuPlan,
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    loadavgStart: loadStart,
    loadavgEnd: loadavg()[0],
    node: process.version,
    chromium: chromiumVersion,
  },
  model: { name: manifest.name, unetParameters: manifest.unet.parameters, unetGflopsPerImage: manifest.unet.gflops_per_image },
  results: results.map(({ backend, measured, error }) => ({ id: backend.id, label: backend.label, threads: backend.threads, plan: backend.plan, measured, error })),
};
mkdirSync('bench-results', { recursive: true });
const jsonPath = join('bench-results', `${report.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(jsonPath, `${JSON.stringify(report, null, 1)}\n`);

printTable(results);
console.log(`\nJSON: ${resolve(jsonPath)}`);

// =============================================================================================
// The Node backends: one child process each (fresh thread pool, clean memory figures).

async function runNodeChild(backend: Backend): Promise<Measured> {
  const runtime = { 'node-native': 'native', 'webgpu-node': 'webgpu' }[backend.group as string] ?? 'wasm';
  // webgpu: `onnxruntime-web` must resolve to the page's JSEP build, as vite's alias makes it in the page.
  const hooks = runtime === 'webgpu' ? ['--import', './scripts/webgpu/ort-jsep-register.mjs'] : [];
  const args = ['--expose-gc', '--import', 'tsx', ...hooks, 'scripts/bench/bench-node.ts', `--runtime=${runtime}`, `--threads=${backend.threads}`, `--plan=${JSON.stringify(backend.plan)}`];
  const env = runtime === 'webgpu' ? { ...process.env, ...softwareVulkanEnv(process.env) } : process.env;
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
  let stdout = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  if (code !== 0) throw new Error(`scripts/bench/bench-node.ts exited with ${code}`);
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Measured;
}

// =============================================================================================
// The browser backends: the built page, served like a static host with COOP/COEP, in Chromium.

/** Builds the page (unless told not to) and starts `vite preview` on PORT. */
async function startPreview(build: boolean): Promise<ChildProcess> {
  const vite = join('node_modules', 'vite', 'bin', 'vite.js');
  if (build) {
    log('building the page (vite build)...');
    execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const child = spawn(process.execPath, [vite, 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`vite preview exited with ${child.exitCode} (port ${PORT} busy?)`);
    if (await fetch(BASE).then((r) => r.ok, () => false)) return child;
    await sleep(200);
  }
  child.kill();
  throw new Error(`vite preview did not answer on ${BASE}`);
}

async function runInBrowser(backend: Backend): Promise<Measured> {
  const webgpu = backend.group === 'webgpu-browser';
  const args = [...CHROMIUM_ARGS, ...(webgpu ? ['--enable-unsafe-webgpu'] : [])];
  // A fresh browser per backend: WASM threads are fixed at load, and memory must start clean.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args });
  chromiumVersion = browser.version();
  try {
    const page = await browser.newPage();
    page.on('pageerror', (err) => log(`  page error: ${err.message}`));
    const query = webgpu ? 'backend=webgpu' : `backend=wasm&threads=${backend.threads}`;
    const driver = await pageDriver(browser, page, query);
    return await measure(driver, backend.plan, (line) => log(`  [${backend.id}] ${line}`));
  } finally {
    await browser.close();
  }
}

/** What recordWorkerTrafficScript() keeps of each worker message: scalars only (no pixel arrays), plus arrival time. */
interface Seen {
  type: string;
  id: number;
  /** performance.now() in the page when the message was sent or received (ms since navigation). */
  at: number;
  [field: string]: unknown;
}
type BenchWindow = Window & { __bench: { requests: Seen[]; events: Seen[] } };

/**
 * Runs before the page's own scripts: wraps `Worker` so every request the page posts and every event
 * the inference worker sends is also recorded in `window.__bench` (scalars only, with the page's
 * performance.now()). The page itself is unchanged. Plain JavaScript in a string: tsx would add
 * helpers (`__name`) to a function that the page does not have.
 */
function recordWorkerTrafficScript(): string {
  return `
  const bench = (window.__bench = { requests: [], events: [] });
  const scalars = (data) => {
    const kept = { at: performance.now() };
    for (const [k, v] of Object.entries(data)) if (typeof v !== 'object') kept[k] = v;
    return kept;
  };
  const Native = window.Worker;
  window.Worker = class extends Native {
    constructor(url, options) {
      super(url, options);
      this.addEventListener('message', (e) => bench.events.push(scalars(e.data)));
    }
    postMessage(message, transfer) {
      bench.requests.push(scalars(message));
      return super.postMessage(message, transfer);
    }
  };
`;
}

/** A `Driver` that works the real page: URL hash for settings, the Generate button, worker events for timings. */
async function pageDriver(browser: Browser, page: Page, query: string): Promise<Driver> {
  await page.addInitScript({ content: recordWorkerTrafficScript() });

  /** Waits for the first event answering request `id` whose type is in `types`. */
  const waitForEvent = async (id: number, types: string[]): Promise<Seen> => {
    await page.waitForFunction(
      ([id, types]) => (window as unknown as BenchWindow).__bench.events.some((e) => e.id === id && types.includes(e.type)),
      [id, types] as const,
      { polling: 50, timeout: WAIT_MS },
    );
    const events = await page.evaluate((id) => (window as unknown as BenchWindow).__bench.events.filter((e) => e.id === id), id);
    return events.find((e) => types.includes(e.type))!;
  };
  const requests = () => page.evaluate(() => (window as unknown as BenchWindow).__bench.requests);

  return {
    async load() {
      await page.goto(`${BASE}?${query}#prompt=cat%20face&seed=1&steps=1&guidance=4`);
      const load = (await requests()).find((r) => r.type === 'load');
      if (!load) throw new Error('the page sent no load request to its worker');
      const ready = await waitForEvent(load.id, ['ready', 'error']);
      if (ready.type === 'error') throw new Error(`load failed: ${ready.message}`);
      const isolated = await page.evaluate(() => crossOriginIsolated);
      const adapter = query.includes('webgpu') ? await adapterName(page) : '';
      const note = `${ready.reason}; page start to ready ${Math.round(ready.at)} ms; crossOriginIsolated=${isolated}${adapter}`;
      return { loadMs: ready.loadMs as number, backend: ready.backend as string, threads: ready.threads as number, note };
    },

    async generate({ steps, guidance }) {
      await setHash(page, `prompt=cat%20face&seed=1&steps=${steps}&guidance=${guidance}&sampler=ddim&spacing=trailing`);
      const before = (await requests()).length;
      await page.getByRole('button', { name: 'Generate' }).click();
      await page.waitForFunction((n) => (window as unknown as BenchWindow).__bench.requests.length > n, before, { polling: 50 });
      const request = (await requests()).slice(before).find((r) => r.type === 'generate');
      if (!request) throw new Error('clicking Generate sent no generate request');
      if (request.steps !== steps || request.guidance !== guidance || (request.sampler ?? 'ddim') !== 'ddim') {
        throw new Error(`the page asked for steps=${request.steps} guidance=${request.guidance} sampler=${request.sampler}, wanted ${steps}/${guidance}/ddim`);
      }
      const end = await waitForEvent(request.id, ['complete', 'error', 'cancelled']);
      if (end.type !== 'complete') throw new Error(`generation ${end.type}: ${end.message ?? ''}`);
      const events = await page.evaluate((id) => (window as unknown as BenchWindow).__bench.events.filter((e) => e.id === id && e.type === 'step'), request.id);
      const unetMs = events.sort((a, b) => (a.index as number) - (b.index as number)).map((e) => e.unetMs as number);
      if (unetMs.length !== steps) throw new Error(`expected ${steps} step events, got ${unetMs.length}`);
      const record: RunRecord = { steps, guidance, ms: end.ms as number, textMs: end.textMs as number, unetMs, wallMs: end.at - request.at };
      return record;
    },

    memory: () => pageMemory(page, browser, flags.quick!),
  };
}

/** Sets the URL hash and waits until the page has read it (its hashchange listener runs first). */
async function setHash(page: Page, hash: string) {
  await page.evaluate(
    (hash) =>
      new Promise<void>((done) => {
        if (location.hash === `#${hash}`) return done();
        addEventListener('hashchange', () => setTimeout(done, 0), { once: true });
        location.hash = hash;
      }),
    hash,
  );
}

async function adapterName(page: Page): Promise<string> {
  const info = await page.evaluate(async () => {
    const adapter = await navigator.gpu?.requestAdapter();
    return adapter ? `${adapter.info.vendor} ${adapter.info.architecture} ${adapter.info.description}`.trim() : 'none';
  });
  return `; adapter: ${info}`;
}

/**
 * Page memory. JS, in full runs: performance.measureUserAgentSpecificMemory() (needs
 * crossOriginIsolated; page + workers, the worker's WASM memory included; Chromium answers it on its
 * own schedule, up to a minute: docs/benchmark.md, "Columns"). In --quick runs, or if that is missing or slow: the JS heaps (V8 usedSize)
 * of the page and its inference worker from CDP Runtime.getHeapUsage (no WASM memory). RSS: the
 * Chromium renderer process that runs the page.
 */
async function pageMemory(page: Page, browser: Browser, eager: boolean): Promise<MemorySample> {
  const rss = 'RSS: the page\'s Chromium renderer process (CDP SystemInfo.getProcessInfo + /proc)';
  if (!eager) {
    const measured = await page.evaluate(async () => {
      const perf = performance as Performance & { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }> };
      if (!crossOriginIsolated || !perf.measureUserAgentSpecificMemory) return null;
      const timeout = new Promise<null>((done) => setTimeout(() => done(null), 120_000));
      const result = await Promise.race([perf.measureUserAgentSpecificMemory(), timeout]);
      return result ? result.bytes : null;
    });
    if (measured !== null) {
      return { rssBytes: await pageRendererRss(browser), jsBytes: measured, method: `JS: performance.measureUserAgentSpecificMemory() (page + workers, WASM memory included); ${rss}` };
    }
  }
  const jsBytes = await heapUsedOfPageAndWorkers(browser);
  return { rssBytes: await pageRendererRss(browser), jsBytes, method: `JS: CDP Runtime.getHeapUsage usedSize, page + inference worker (JS heaps only, no WASM memory); ${rss}` };
}

/** Sum of V8 heap `usedSize` over the page and its inference worker, through the browser's CDP session. */
async function heapUsedOfPageAndWorkers(browser: Browser): Promise<number | null> {
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { targetInfos } = await cdp.send('Target.getTargets');
    // ORT's WASM threads are skipped: their JS heaps are tiny and, parked in Atomics.wait, they may not answer.
    const ours = targetInfos.filter((t) => (t.type === 'page' || t.type === 'worker') && t.url.startsWith(BASE) && !t.url.includes('/ort/'));
    // Worker targets take commands as messages inside Target.sendMessageToTarget; replies come back as events.
    const replies = new Map<string, (message: { result?: { usedSize: number } }) => void>();
    cdp.on('Target.receivedMessageFromTarget', (e) => {
      const message = JSON.parse(e.message);
      replies.get(`${e.sessionId}:${message.id}`)?.(message);
    });
    let total = 0;
    for (const target of ours) {
      const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false });
      const reply = new Promise<{ result?: { usedSize: number } }>((done) => {
        replies.set(`${sessionId}:1`, done);
        setTimeout(() => done({}), 5000);
      });
      await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: 1, method: 'Runtime.getHeapUsage' }) });
      const used = (await reply).result?.usedSize;
      if (used === undefined) log(`  (no heap usage from ${target.type} ${target.url})`);
      total += used ?? 0;
      await cdp.send('Target.detachFromTarget', { sessionId });
    }
    return ours.length ? total : null;
  } finally {
    await cdp.detach();
  }
}

/**
 * VmRSS of the renderer process that runs the page (its worker and WASM threads live there too), in
 * bytes. Chromium also keeps a spare renderer and one for its own UI: ours is the one that has used
 * the most CPU time, by far, since it runs the model.
 */
async function pageRendererRss(browser: Browser): Promise<number | null> {
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
    const renderer = processInfo.filter((p) => p.type === 'renderer').sort((a, b) => b.cpuTime - a.cpuTime)[0];
    const kb = renderer && /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${renderer.id}/status`, 'utf8'));
    return kb ? Number(kb[1]) * 1024 : null;
  } catch {
    return null;
  } finally {
    await cdp.detach();
  }
}

// =============================================================================================
// The table.

function printTable(results: Result[]) {
  const e2eSteps = [...new Set(results.flatMap((r) => Object.keys(r.measured?.endToEnd ?? {})))].map(Number).sort((a, b) => a - b);
  const runs = Math.max(0, ...results.map((r) => r.measured?.memory.runs ?? 0));
  const header = ['backend', 'thr', 'ready ms', 'U-Net b1 med/p90', 'U-Net b2 med/p90', 'text b2', 'other/step',
    ...e2eSteps.map((s) => `${s} steps s`), `RSS MB run 1→${runs}`, `JS MB run 1→${runs}`];
  const rows = results.map(({ backend, measured: m, error }) => {
    const name = backend.group === 'webgpu-browser' ? 'webgpu-browser (SwiftShader, CPU-emulated)' : backend.id;
    if (!m) return [name, String(backend.threads), `failed: ${error}`];
    const medP90 = (s: { median: number; p90: number }) => `${ms(s.median)} / ${ms(s.p90)}`;
    return [
      name,
      m.load.backend === 'webgpu' ? 'gpu' : String(m.load.threads),
      ms(m.readyMs),
      medP90(m.unetBatch1),
      medP90(m.unetBatch2),
      ms(m.textBatch2.median),
      ms(m.otherPerStep.median),
      ...e2eSteps.map((s) => (m.endToEnd[s] ? (m.endToEnd[s].median / 1000).toFixed(2) : '-')),
      `${mb(m.memory.afterFirst.rssBytes)} → ${mb(m.memory.afterLast.rssBytes)}`,
      `${mb(m.memory.afterFirst.jsBytes)} → ${mb(m.memory.afterLast.jsBytes)}`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of rows) console.log(row.length === header.length ? line(row) : row.join('  '));
  console.log('ms unless noted; U-Net medians/p90 over timed calls after a warm-up call; end-to-end = median guided generation.');

  // Ratios of U-Net batch-2 medians at the same thread count.
  const unet2 = (id: string) => results.find((r) => r.backend.id === id)?.measured?.unetBatch2.median;
  const ratios: string[] = [];
  for (const t of threadCounts) {
    const [browser, node, native] = [unet2(`wasm-browser-${t}t`), unet2(`wasm-node-${t}t`), unet2(`node-native-${t}t`)];
    if (browser && node) ratios.push(`${t} thread(s): browser WASM / Node WASM = ${(browser / node).toFixed(2)}x`);
    if (node && native) ratios.push(`${t} thread(s): Node WASM / native = ${(node / native).toFixed(2)}x (native is that much faster)`);
  }
  const webgpu = results.find((r) => r.backend.group === 'webgpu-browser')?.measured?.unetBatch2.median;
  const wasm1 = unet2('wasm-browser-1t');
  if (webgpu && wasm1) ratios.push(`WebGPU on SwiftShader / browser WASM 1 thread = ${(webgpu / wasm1).toFixed(1)}x (CPU emulation, not a GPU figure)`);
  if (ratios.length) console.log(`\nU-Net batch-2 ratios:\n  ${ratios.join('\n  ')}`);

  for (const r of results.filter((r) => r.measured?.gpu)) {
    const lines = Object.entries(r.measured!.gpu!).map(([b, c]) => `batch ${b}: ${c.dispatch} dispatches, ${c.bindGroup} bind groups, ${c.writeBuffer} writeBuffer, ${c.copy} copies, ${c.submit} submits (median of ${c.calls} calls)`);
    console.log(`\n${r.backend.id}, WebGPU API calls per U-Net call:\n  ${lines.join('\n  ')}`);
  }

  const methods = [...new Set(results.map((r) => r.measured?.memory.afterLast.method).filter(Boolean))];
  if (methods.length) console.log(`\nMemory measured by:\n  ${methods.join('\n  ')}`);
  console.log('\nBackends:');
  for (const r of results.filter((r) => r.measured)) console.log(`  ${r.backend.id}: ${r.measured!.load.note}`);
  const loadEnd = loadavg()[0];
  if (Math.max(loadStart, loadEnd) > 0.25 * cpus().length) {
    console.log(`\nwarning: load average ${loadStart.toFixed(2)} at start, ${loadEnd.toFixed(2)} at end on ${cpus().length} cores: other work skewed these figures.`);
  }
}

// =============================================================================================

function ms(value: number) {
  return Number.isFinite(value) ? (value >= 100 ? value.toFixed(0) : value.toFixed(1)) : '-';
}

function mb(bytes: number | null) {
  return bytes === null ? '-' : (bytes / 2 ** 20).toFixed(0);
}

function git(args: string[]) {
  try {
    return execFileSync('git', args, { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

function sleep(ms: number) {
  return new Promise((done) => setTimeout(done, ms));
}

function log(line: string) {
  process.stderr.write(`${line}\n`);
}
