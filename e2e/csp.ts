/** Collects Content-Security-Policy violations of a page and of its workers, for the deployment checks. */
import type { Page } from '@playwright/test';

/**
 * Starts recording before the page's first script: `securitypolicyviolation` events of the document
 * (the meta tag's policy) and of every worker (the header's policy), and the console lines the
 * browser writes for a blocked resource. Read the list after the run; each entry names what was blocked.
 */
export async function recordCspViolations(page: Page): Promise<string[]> {
  const seen: string[] = [];
  await page.exposeFunction('__cspViolation', (line: string) => seen.push(line));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as unknown as { __cspViolation(l: string): void }).__cspViolation(`${e.violatedDirective} blocked ${e.blockedURI}`),
    );
  });
  const onConsole = (text: string) => {
    if (/Content Security Policy/i.test(text)) seen.push(`console: ${text}`);
  };
  page.on('console', (m) => onConsole(m.text()));
  page.on('worker', (worker) => {
    worker.on('console', (m) => onConsole(m.text()));
    void worker
      .evaluate(() => self.addEventListener('securitypolicyviolation', (e) => console.error(`Content Security Policy: ${e.violatedDirective} blocked ${e.blockedURI}`)))
      .catch(() => undefined); // a worker that ended already
  });
  return seen;
}
