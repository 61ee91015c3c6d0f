/** Issue 10: the page as a host would serve it: a Content-Security-Policy that holds, and honest content types. */
import { expect, test } from '@playwright/test';
import { recordCspViolations } from './csp.ts';
import { generateAndWait, waitForModel } from './helpers.ts';

test('a whole generation runs under the Content-Security-Policy with no violation, and the policy is enforced', async ({ page }) => {
  const violations = await recordCspViolations(page);
  await page.goto('./?backend=wasm&autorun=0#steps=2');
  expect(await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')).toContain("script-src 'self' 'wasm-unsafe-eval'");
  await waitForModel(page);
  await expect(page.getByTestId('alpha-bar')).not.toHaveText('–'); // the forward panel's sample image loaded too
  await generateAndWait(page);
  expect(violations).toEqual([]);

  // The policy is live, not just present: an inline script is refused, and that refusal is recorded.
  const ran = await page.evaluate(async () => {
    const script = document.createElement('script');
    script.textContent = 'window.__inlineRan = true';
    document.head.append(script);
    await new Promise((resolve) => setTimeout(resolve, 100));
    return (window as unknown as { __inlineRan?: boolean }).__inlineRan ?? false;
  });
  expect(ran).toBe(false);
  await expect.poll(() => violations.length).toBeGreaterThan(0);
  expect(violations[0]).toMatch(/script-src/);
});

test('files are served with their content type, nosniff and the security headers', async ({ request }) => {
  const expected: Record<string, RegExp> = {
    './models/unet.onnx': /^application\/octet-stream$/,
    './models/manifest.json': /^application\/json/,
    './ort/ort-wasm-simd-threaded.jsep.wasm': /^application\/wasm$/,
    './ort/ort-wasm-simd-threaded.jsep.mjs': /^(text|application)\/javascript/,
    './': /^text\/html/,
  };
  for (const [path, type] of Object.entries(expected)) {
    const response = await request.get(path);
    expect(response.ok(), path).toBe(true);
    const headers = response.headers();
    expect(headers['content-type'], path).toMatch(type);
    expect(headers['x-content-type-options'], path).toBe('nosniff');
    expect(headers['cross-origin-opener-policy'], path).toBe('same-origin');
    expect(headers['cross-origin-embedder-policy'], path).toBe('require-corp');
    expect(headers['content-security-policy'], path).toContain("default-src 'self'");
  }
});
