/** axe-core finds no accessibility violations on the page, in every view, light and dark. */
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { generateAndWait, openQuiet, waitForModel } from './helpers.ts';

for (const colorScheme of ['light', 'dark'] as const) {
  test(`axe: 0 violations in every view after a run (${colorScheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    await openQuiet(page, 'steps=2&seed=1');
    await waitForModel(page);
    await generateAndWait(page);
    const tabs = page.getByRole('tab');
    const count = await tabs.count();
    expect(count).toBeGreaterThan(0);
    for (let i = 0; i < count; i++) {
      await tabs.nth(i).click();
      await expect(tabs.nth(i)).toHaveAttribute('aria-selected', 'true');
      const result = await new AxeBuilder({ page }).analyze();
      expect(result.passes.length).toBeGreaterThan(10); // axe really ran its rules
      const summary = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
      expect(summary, `view "${await tabs.nth(i).textContent()}"`).toEqual([]);
    }
  });
}
