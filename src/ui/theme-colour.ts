/** Colours of the page's theme (styles.css custom properties) for canvas drawing. */

const cache = new Map<string, string>();
// The theme follows prefers-color-scheme (styles.css): a change of scheme changes the colours.
if (typeof matchMedia === 'function') matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => cache.clear());

/**
 * The value of custom property `name` on the root element ('#888' when unset). Cached: reading a
 * computed style forces a style recalculation, and the charts that ask draw on every step of a run.
 */
export function themeColour(name: string): string {
  let colour = cache.get(name);
  if (colour === undefined) {
    colour = getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
    cache.set(name, colour);
  }
  return colour;
}
