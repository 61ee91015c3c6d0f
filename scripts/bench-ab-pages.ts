/**
 * Step time of two builds of the page, side by side in one browser, taking turns: on a shared,
 * loaded machine two separate `npm run bench` runs see different loads, so a change's cost drowns in
 * the noise; alternating generations on both pages gives both the same conditions. Serve each build
 * with `npx vite preview --port N` (its own dist/), then:
 *
 *   npx tsx scripts/bench-ab-pages.ts http://127.0.0.1:4193/ http://127.0.0.1:4192/ [--rounds=8] [--steps=20] [--threads=2]
 *
 * Prints, per page, the median and each generation's worker milliseconds per step (the `complete`
 * event's ms over the steps, the figure `npm run bench` reports), WASM backend.
 */
import { parseArgs } from 'node:util';
import { chromium, type Page } from '@playwright/test';

const { values: flags, positionals: urls } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '8' }, steps: { type: 'string', default: '20' }, threads: { type: 'string', default: '2' } },
});
if (urls.length !== 2) throw new Error('give two page URLs (base first, then the change)');
const [rounds, steps] = [Number(flags.rounds), Number(flags.steps)];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });

/** Opens a page that records its worker's `complete` events (ms of each generation). */
async function open(url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.addInitScript(() => {
    const done: number[] = [];
    (window as unknown as { __done: number[] }).__done = done;
    const Native = Worker;
    // Listen to the inference worker's messages beside the page's own handler.
    window.Worker = class extends Native {
      constructor(script: string | URL, options?: WorkerOptions) {
        super(script, options);
        this.addEventListener('message', (e: MessageEvent) => {
          if (e.data?.type === 'complete') done.push(e.data.ms);
        });
      }
    } as typeof Worker;
  });
  await page.goto(`${url}?backend=wasm&threads=${flags.threads}&autorun=0#prompt=cat%20face&seed=1&steps=${steps}&guidance=4`);
  await page.getByTestId('backend-badge').waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="backend-badge"]')?.getAttribute('data-backend') === 'wasm', null, { timeout: 300_000 });
  return page;
}

async function generation(page: Page): Promise<number> {
  const before = await page.evaluate(() => (window as unknown as { __done: number[] }).__done.length);
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.waitForFunction((n) => (window as unknown as { __done: number[] }).__done.length > n, before, { timeout: 600_000, polling: 100 });
  return page.evaluate(() => (window as unknown as { __done: number[] }).__done.at(-1)!);
}

const pages = [await open(urls[0]), await open(urls[1])];
for (const page of pages) await generation(page); // warm-up
const perStep: number[][] = [[], []];
for (let r = 0; r < rounds; r++) {
  // Alternate which goes first, so neither always follows the other.
  for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) perStep[i].push((await generation(pages[i])) / steps);
}
await browser.close();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
urls.forEach((url, i) => console.log(`${url}  median ${median(perStep[i]).toFixed(1)} ms/step  (${perStep[i].map((v) => v.toFixed(0)).join(' ')})`));
console.log(`change / base: ${(median(perStep[1]) / median(perStep[0])).toFixed(3)}`);
