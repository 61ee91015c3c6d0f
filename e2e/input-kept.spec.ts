/**
 * Issue 10: no link breaks the page and nothing typed is lost. A link whose prompt is cut inside an
 * emoji, text typed just before a reload, and out-of-range numbers typed into the fields.
 */
import { expect, test, type Page } from '@playwright/test';
import { generateAndWait, waitForModel } from './helpers.ts';

const CATS = '%F0%9F%90%B1'.repeat(250); // 'a' + 250 cats = 501 UTF-16 units: the 500-unit cut falls inside the last cat
const CUT = `a${'🐱'.repeat(249)}`;

/** Collects uncaught page errors (a URIError from encodeURIComponent was one). */
function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

test('a link with an emoji on the 500-character cut opens, renders and generates', async ({ page }) => {
  const errors = pageErrors(page);
  await page.goto(`./?backend=wasm&autorun=0#steps=2&prompt=a${CATS}&negative=a${CATS}`);
  const notice = page.getByTestId('url-problems');
  await expect(notice).toContainText('prompt: longer than 500 characters; cut');
  await expect(notice).toContainText('negative: longer than 500 characters; cut');
  await expect(page.getByLabel('Prompt', { exact: true })).toHaveValue(CUT);
  await expect(page.getByLabel('Negative prompt')).toHaveValue(CUT);
  await waitForModel(page);
  await generateAndWait(page);
  expect(errors).toEqual([]);
});

test('the same link set on a loaded page keeps the page working', async ({ page }) => {
  const errors = pageErrors(page);
  await page.goto('./?backend=wasm&autorun=0#steps=2');
  await waitForModel(page);
  await page.evaluate((hash) => (location.hash = hash), `#steps=2&prompt=a${CATS}&negative=a${CATS}`);
  await expect(page.getByLabel('Prompt', { exact: true })).toHaveValue(CUT);
  await generateAndWait(page);
  // Edits still reach the hash (every store update threw before).
  await page.getByLabel('Prompt', { exact: true }).fill('dog face');
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('prompt=dog%20face');
  expect(errors).toEqual([]);
});

test('text typed just before a reload is still there after it', async ({ page }) => {
  await page.goto('./?backend=wasm&autorun=0');
  await page.getByLabel('Prompt', { exact: true }).fill('first words');
  await page.getByLabel('Prompt', { exact: true }).fill('typed just now');
  await page.getByLabel('Negative prompt').fill('blurry');
  await page.reload();
  await expect(page.getByLabel('Prompt', { exact: true })).toHaveValue('typed just now');
  await expect(page.getByLabel('Negative prompt')).toHaveValue('blurry');
});

test('text typed while the address cannot keep up is still there after a reload, and a link still opens its own settings', async ({ page }) => {
  await page.goto('./?backend=wasm&autorun=0');
  await page.getByLabel('Prompt', { exact: true }).fill('before');
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('prompt=before');
  // The hash write has not landed when the reload begins (coalesced, or dropped over the browser's budget).
  await page.evaluate(() => {
    history.replaceState = () => {};
  });
  await page.getByLabel('Prompt', { exact: true }).fill('typed just now');
  await page.getByLabel('Negative prompt').fill('blurry');
  await page.reload();
  await expect(page.getByLabel('Prompt', { exact: true })).toHaveValue('typed just now');
  await expect(page.getByLabel('Negative prompt')).toHaveValue('blurry');
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('prompt=typed%20just%20now'); // the address says so too
  // Opening a link in the same tab is not a reload: the link's settings, not the tab's last ones.
  await page.goto('./?backend=wasm&autorun=0&from=link#prompt=from%20a%20link');
  await expect(page.getByLabel('Prompt', { exact: true })).toHaveValue('from a link');
  await expect(page.getByLabel('Negative prompt')).toHaveValue('');
});

test('out-of-range numbers typed into Seed and Steps say why, and the run uses the value shown', async ({ page }) => {
  await page.goto('./?backend=wasm&autorun=0#steps=2');
  await waitForModel(page);
  const seed = page.getByLabel('Seed', { exact: true });
  await seed.fill('1e30');
  await seed.blur();
  await expect(seed).toHaveValue('4294967295');
  await expect(page.getByText('Seed: 1e30 is outside 0..4294967295; using 4294967295')).toBeVisible();

  const steps = page.getByLabel('Steps', { exact: true });
  await steps.fill('-5');
  await steps.press('Enter'); // settles the text at once
  await expect(steps).toHaveValue('1');
  await page.getByRole('button', { name: 'Generate' }).click(); // the run must get the settled value, not the old one
  await expect(page.getByText('Steps: -5 is outside 1..100; using 1')).toBeVisible();
  const view = page.getByRole('region', { name: 'Denoising' });
  await expect(view).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(page.getByTestId('run-params')).toContainText('seed 4294967295 · 1 step');

  // A valid value clears the notice.
  await steps.fill('3');
  await expect(page.getByText('Steps: -5 is outside 1..100; using 1')).toBeHidden();
});
