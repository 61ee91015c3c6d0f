/** "1 step", "30 steps": a count with its noun, singular for exactly one. */
export function plural(n: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : pluralNoun}`;
}
