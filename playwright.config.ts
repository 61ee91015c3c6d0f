/**
 * End-to-end tests: Debian's Chromium (Playwright's own browser download cannot work here) drives the
 * built page served by `vite preview`. Two projects: `wasm` (every spec, the default browser) and
 * `webgpu` (Chromium with --enable-unsafe-webgpu, which exposes a CPU-emulated SwiftShader adapter:
 * correct but ~25x slower than WASM, so its spec runs few steps).
 */
import { defineConfig } from '@playwright/test';

// E2E_PORT: lets several checkouts run their e2e suites side by side without reusing each other's server.
const PORT = Number(process.env.E2E_PORT ?? 4174);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export default defineConfig({
  testDir: 'e2e',
  forbidOnly: !!process.env.CI,
  // One retry on CI: a 2-core machine running the model can stall a browser now and then; Playwright
  // still reports such a test as flaky, and a test that fails twice fails the run.
  retries: process.env.CI ? 1 : 0,
  // The machine has 2 cores and the model runs on them: one test at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 180_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}/`,
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'wasm',
      testIgnore: /backends\.spec\.ts/,
      use: { browserName: 'chromium', launchOptions: { executablePath: CHROMIUM, args: ARGS } },
    },
    {
      name: 'webgpu',
      testMatch: /backends\.spec\.ts/,
      use: { browserName: 'chromium', launchOptions: { executablePath: CHROMIUM, args: [...ARGS, '--enable-unsafe-webgpu'] } },
    },
  ],
  webServer: {
    command: `npx vite build && npx vite preview --host 127.0.0.1 --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
