/**
 * Screenshots of the page for docs/: 1280x800 and 390x844, light and dark, after the page's own
 * auto-run of the default prompt has finished; and the Compare A/B tab after a comparison. Needs the built page served (npm run build, then
 * `npx vite preview --port 4173`); `npx tsx scripts/screenshots.ts [baseURL]`.
 */
import { chromium } from '@playwright/test';

const base = process.argv[2] ?? 'http://127.0.0.1:4173/';
const VIEWS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  for (const view of VIEWS) {
    for (const scheme of ['light', 'dark'] as const) {
      const page = await browser.newPage({ viewport: { width: view.width, height: view.height }, colorScheme: scheme, deviceScaleFactor: 1 });
      await page.goto(`${base}?backend=wasm#t=600`);
      const reverse = page.getByRole('region', { name: 'Denoising' });
      await reverse.and(page.locator('[data-status="done"]')).waitFor({ timeout: 180_000 });
      await page.getByLabel('Show step').fill('11'); // a step mid-way, so the timeline shows its link
      await page.getByLabel('Show step').blur();
      await page.evaluate(() => scrollTo(0, 0));
      const file = `docs/screenshot-${view.name}-${scheme}.png`;
      await page.screenshot({ path: file });
      console.log(file);
      await page.close();
    }
  }
  // The Compare A/B tab after a comparison (a link with cmp=1 runs A and B on open).
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light', deviceScaleFactor: 1 });
  await page.goto(`${base}?backend=wasm#prompt=cat%20face&seed=1&steps=20&cmp=1&b_prompt=red%20apple&b_seed=1&b_steps=20`);
  await page.getByRole('region', { name: 'Denoising' }).and(page.locator('[data-status="done"]')).waitFor({ timeout: 180_000 });
  await page.getByRole('tab', { name: 'Compare A/B' }).click();
  const compare = page.getByRole('tabpanel', { name: 'Compare A/B' });
  await page.locator('[data-step-b="20"]').waitFor({ timeout: 60_000 }); // B's last step lands after A's
  await compare.screenshot({ path: 'docs/compare-view.png' });
  console.log('docs/compare-view.png');
  await page.close();
} finally {
  await browser.close();
}
