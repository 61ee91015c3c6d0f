/**
 * The page's stylesheets parse as CSS. A block left open (as a merge once left `.mask-legend {`)
 * silently swallows every rule after it in the browser: the compare view lost its grid that way and
 * no other test noticed. postcss (already what Vite uses for CSS) throws on it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import postcss from 'postcss';
import { describe, expect, it } from 'vitest';

/** Rules nested inside another rule's block: how an unclosed block shows up (this code base writes no CSS nesting). */
function nestedRules(css: string, from?: string): string[] {
  const nested: string[] = [];
  postcss.parse(css, { from }).walkRules((rule) => {
    if (rule.parent?.type === 'rule') nested.push(`${rule.selector} inside ${(rule.parent as postcss.Rule).selector}`);
  });
  return nested;
}

const sheets = ['src', 'src/ui'].flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.css')).map((f) => join(dir, f)));

describe('stylesheets', () => {
  it('finds the stylesheets', () => expect(sheets).toContain(join('src', 'styles.css')));

  for (const file of sheets) {
    it(`${file} has no unclosed block and no rule nested in a declaration block`, () => {
      expect(nestedRules(readFileSync(file, 'utf8'), file)).toEqual([]);
    });
  }

  it('rejects the broken form it guards against', () => {
    const unclosedAtEnd = '.a {\n  color: red;\n/* next */\n.b {\n  color: blue;\n}\n';
    expect(() => nestedRules(unclosedAtEnd)).toThrow(/Unclosed block/);
    const unclosedInside = '.a {\n  color: red;\n.b {\n  color: blue;\n}\n}\n';
    expect(nestedRules(unclosedInside)).toEqual(['.b inside .a']);
  });
});
