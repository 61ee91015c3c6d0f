/**
 * Step time of this checkout's page against an older one, in one Chromium, runs interleaved (A, B, B,
 * A, ...), so both see the same machine load: the "within 10 % of before, in one run" check of the
 * issues that add per-step features. Each page is the built `dist/` of its checkout, served by `vite
 * preview` with the same headers; each run is a guided 20-step DDIM generation of "cat face" on WASM.
 *
 *   npx tsx scripts/bench/bench-ab.ts --base=/path/to/older/checkout [--reps=10] [--steps=20] [--threads=2] [--no-build]
 *
 * Prints per side the medians over runs of: U-Net ms per call and "other" ms per step (the worker's
 * own figures, as `npm run bench` computes them), and the page's main-thread time per step (scripting
 * and rendering, from a Chromium trace of one run), which competes with the worker for the cores.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from '@playwright/test';

const { values: flags } = parseArgs({
  options: {
    base: { type: 'string' },
    reps: { type: 'string', default: '10' },
    steps: { type: 'string', default: '20' },
    threads: { type: 'string', default: '2' },
    'no-build': { type: 'boolean', default: false },
  },
});
if (!flags.base) throw new Error('--base=/path/to/older/checkout is required (a checkout with node_modules)');
const REPS = Number(flags.reps);
const STEPS = Number(flags.steps);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

interface Side {
  name: string;
  root: string;
  port: number;
  server?: ChildProcess;
  page?: Page;
  completes: number;
  unet: number[];
  other: number[];
  mainMs?: { scripting: number; rendering: number; total: number };
}

const sides: Side[] = [
  { name: 'this checkout', root: resolve('.'), port: 4177, completes: 0, unet: [], other: [] },
  { name: `base (${flags.base})`, root: resolve(flags.base), port: 4178, completes: 0, unet: [], other: [] },
];

function build(side: Side) {
  const vite = join(side.root, 'node_modules', 'vite', 'bin', 'vite.js');
  execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: side.root, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function serve(side: Side) {
  const vite = join(side.root, 'node_modules', 'vite', 'bin', 'vite.js');
  side.server = spawn(process.execPath, [vite, 'preview', '--host', '127.0.0.1', '--port', String(side.port), '--strictPort'], { cwd: side.root, stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (side.server.exitCode !== null) throw new Error(`${side.name}: vite preview exited (port ${side.port} busy?)`);
    if (await fetch(`http://127.0.0.1:${side.port}/`).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${side.name}: vite preview did not answer`);
}

/** Records the worker's ready/step/complete events (scalars) in window.__ab; the page is unchanged. */
const RECORD = `
  const ab = (window.__ab = []);
  const Native = window.Worker;
  window.Worker = class extends Native {
    constructor(url, options) {
      super(url, options);
      this.addEventListener('message', (e) => ab.push({ type: e.data.type, unetMs: e.data.unetMs, ms: e.data.ms, textMs: e.data.textMs }));
    }
  };`;
type Seen = { type: string; unetMs?: number; ms?: number; textMs?: number };
type AbWindow = Window & { __ab: Seen[] };

async function open(browser: Browser, side: Side) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.addInitScript(RECORD);
  const hash = `prompt=cat%20face&seed=1&steps=${STEPS}&guidance=4&sampler=ddim&spacing=trailing`;
  await page.goto(`http://127.0.0.1:${side.port}/?backend=wasm&threads=${flags.threads}&autorun=0#${hash}`);
  await page.waitForFunction(() => (window as unknown as AbWindow).__ab.some((e) => e.type === 'ready'), null, { timeout: 180_000 });
  // Pages built before `?autorun=0` existed run the link on open: let that run finish first.
  await page.waitForTimeout(1000);
  await page.waitForFunction(() => !document.querySelector('[data-status="running"]'), null, { timeout: 180_000 });
  side.completes = (await page.evaluate(() => (window as unknown as AbWindow).__ab)).filter((e) => e.type === 'complete').length;
  side.page = page;
}

/** One generation; returns [U-Net ms per call, other ms per step]. */
async function generate(side: Side): Promise<[number, number]> {
  const page = side.page!;
  await page.bringToFront();
  const before = (await page.evaluate(() => (window as unknown as AbWindow).__ab)).length;
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  side.completes++;
  await page.waitForFunction((n) => (window as unknown as AbWindow).__ab.filter((e) => e.type === 'complete').length >= n, side.completes, { timeout: 180_000, polling: 50 });
  const events = (await page.evaluate(() => (window as unknown as AbWindow).__ab)).slice(before);
  const steps = events.filter((e) => e.type === 'step');
  const complete = events.find((e) => e.type === 'complete')!;
  if (steps.length !== STEPS) throw new Error(`${side.name}: ${steps.length} step events, expected ${STEPS}`);
  const unet = steps.reduce((sum, e) => sum + e.unetMs!, 0);
  return [unet / STEPS, (complete.ms! - complete.textMs! - unet) / STEPS];
}

/** Main-thread time of one traced run: scripting (tasks running JS) and rendering (frames), ms per step. */
async function traceMainThread(browser: Browser, side: Side) {
  const path = join(tmpdir(), `bench-ab-${side.port}.json`);
  await browser.startTracing(side.page!, { path, categories: ['devtools.timeline', 'blink', 'cc'] });
  await generate(side);
  await browser.stopTracing();
  const events = JSON.parse(readFileSync(path, 'utf8')).traceEvents as { name: string; ph: string; dur?: number; pid: number; tid: number; args?: { name?: string } }[];
  rmSync(path);
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const sum = (name: string) => events.filter((e) => e.ph === 'X' && e.name === name && e.pid === main?.pid && e.tid === main?.tid).reduce((s, e) => s + (e.dur ?? 0), 0) / 1000 / STEPS;
  const scripting = sum('FunctionCall');
  const rendering = sum('ProxyMain::BeginMainFrame');
  side.mainMs = { scripting, rendering, total: scripting + rendering };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (!flags['no-build']) for (const side of sides) build(side);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
try {
  for (const side of sides) await serve(side);
  for (const side of sides) await open(browser, side);
  for (const side of sides) await generate(side); // warm-up
  for (let r = 0; r < REPS; r++) {
    for (const side of r % 2 ? [...sides].reverse() : sides) {
      const [unet, other] = await generate(side);
      side.unet.push(unet);
      side.other.push(other);
    }
  }
  for (const side of sides) await traceMainThread(browser, side);
} finally {
  await browser.close();
  for (const side of sides) side.server?.kill();
}

console.log(`WASM ${flags.threads} threads, guided ${STEPS}-step DDIM, ${REPS} runs each, interleaved; medians, ms:`);
for (const side of sides) {
  const m = side.mainMs!;
  console.log(
    `  ${side.name}: U-Net ${median(side.unet).toFixed(1)} per call, other ${median(side.other).toFixed(1)} per step; ` +
      `main thread per step ${m.total.toFixed(1)} (scripting ${m.scripting.toFixed(1)}, rendering ${m.rendering.toFixed(1)})`,
  );
}
const [a, b] = sides;
const pct = (x: number, y: number) => `${x >= y ? '+' : ''}${(((x - y) / y) * 100).toFixed(1)} %`;
console.log(`  this checkout vs base: U-Net ${pct(median(a.unet), median(b.unet))}, other ${pct(median(a.other), median(b.other))}`);
