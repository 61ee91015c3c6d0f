/**
 * The page's stylesheets parse as CSS. A block left open (as a merge once left `.mask-legend {`)
 * silently swallows every rule after it in the browser: the compare view lost its grid that way and
 * no other test noticed. postcss (already what Vite uses for CSS) throws on it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import postcss from 'postcss';
import { describe, expect, it } from 'vitest';

const sheets = ['src', 'src/ui'].flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.css')).map((f) => join(dir, f)));

describe('stylesheets', () => {
  it('finds the stylesheets', () => expect(sheets).toContain(join('src', 'styles.css')));

  for (const file of sheets) {
    it(`${file} has no unclosed block and no rule nested in a declaration block`, () => {
      const root = postcss.parse(readFileSync(file, 'utf8'), { from: file });
      // Nested rules (legal CSS nesting, but not what this code base writes) are how an unclosed block shows up.
      const nested: string[] = [];
      root.walkRules((rule) => {
        if (rule.parent?.type === 'rule') nested.push(`${rule.selector} inside ${(rule.parent as postcss.Rule).selector}`);
      });
      expect(nested).toEqual([]);
    });
  }

  it('rejects the broken form it guards against', () => {
    const broken = '.a {\n  color: red;\n/* next */\n.b {\n  color: blue;\n}\n';
    expect(() => {
      const root = postcss.parse(broken);
      root.walkRules((rule) => {
        if (rule.parent?.type === 'rule') throw new Error('nested');
      });
    }).toThrow();
  });
});
