/**
 * Integrity in the page (issue 10): every file the page loads is checked against manifest.json, and the
 * manifest cannot point the page anywhere else. The same checks in the worker and CLI have vitest tests
 * (src/model/model-files.test.ts, src/cli/bad-input.test.ts); these show what the user sees.
 */
import { expect, test, type BrowserContext } from '@playwright/test';

// The page and its worker each fetch manifest.json. A test can end on the first one's error while the
// other is still inside a route handler, whose route.fetch then throws "Test ended": let those go.
test.afterEach(async ({ context }) => {
  await context.unrouteAll({ behavior: 'ignoreErrors' });
});

/** Serves manifest.json with `edit` applied. */
async function editManifest(context: BrowserContext, edit: (m: Record<string, any>) => void) {
  await context.route('**/models/manifest.json', async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    edit(json);
    await route.fulfill({ response, json });
  });
}

test('a manifest naming \\\\evil.example\\cat.png is refused, and the page asks no other host for anything', async ({ page, context }) => {
  const foreign: string[] = [];
  await context.route((url) => url.hostname !== '127.0.0.1', (route) => (foreign.push(route.request().url()), route.abort()));
  await editManifest(context, (m) => {
    m.samples[0].file = '\\\\evil.example\\cat.png';
    m.model_card = '\\\\evil.example\\card.md';
  });
  await page.goto('./?backend=wasm&autorun=0');
  await expect(page.getByTestId('load-error')).toContainText('manifest.json: samples[0].file must be a plain file name', { timeout: 60_000 });
  expect(await page.locator('a[href*="evil"], img[src*="evil"]').count()).toBe(0);
  expect(foreign).toEqual([]);
});

test('unet.bytes = 2^40 gives a message naming unet.onnx and manifest.json, not a RangeError', async ({ page, context }) => {
  await editManifest(context, (m) => (m.unet.bytes = 2 ** 40));
  await page.goto('./?backend=wasm&autorun=0');
  const error = page.getByTestId('load-error');
  await expect(error).toContainText('manifest.json: unet.bytes = 1099511627776 for unet.onnx is over the 1073741824-byte (1 GiB) limit', { timeout: 60_000 });
  await expect(error).not.toContainText('Invalid typed array length');
});

test('a tampered tokenizer.json or sample image is refused by its SHA-256', async ({ page, context }) => {
  // "cat" and "dog" swap ids: same size, still a valid tokenizer, every cat becomes a dog.
  await context.route('**/models/tokenizer.json', async (route) => {
    const response = await route.fetch();
    const text = await response.text();
    const id = (word: string) => new RegExp(`"${word}": (\\d+)`).exec(text)![1];
    const [cat, dog] = [id('cat'), id('dog')];
    await route.fulfill({ response, body: text.replace(`"cat": ${cat}`, `"cat": ${dog}`).replace(`"dog": ${dog}`, `"dog": ${cat}`) });
  });
  await context.route('**/models/samples/*.png', async (route) => {
    const response = await route.fetch();
    const body = await response.body();
    body[body.length >> 1] ^= 0xff;
    await route.fulfill({ response, body });
  });
  await page.goto('./?backend=wasm&autorun=0');
  await expect(page.getByTestId('load-error')).toContainText(/tokenizer\.json: SHA-256 [0-9a-f]{12}\.\.\. does not match manifest\.json's/, { timeout: 60_000 });
  await expect(page.getByRole('region', { name: 'Forward process' })).toContainText(/samples\/cat-face\.png: SHA-256 .* does not match manifest\.json's/);
});
