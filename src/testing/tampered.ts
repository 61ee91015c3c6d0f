/**
 * Test support (Node only): copies of the shipped models folder with one file changed, as an attacker
 * or a broken disk would change it, for the integrity tests of the page path and the CLI.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelsDir } from './fixtures.ts';

/**
 * tokenizer.json with the ids of "cat" and "dog" swapped: the same size and still a valid tokenizer,
 * but every prompt with either word draws the other animal.
 */
export function swappedTokenizer(text: string): string {
  const id = (word: string) => new RegExp(`"${word}": (\\d+)`).exec(text)![1];
  const [cat, dog] = [id('cat'), id('dog')];
  if (cat.length !== dog.length) throw new Error('swappedTokenizer: ids of different lengths would change the size');
  return text.replace(`"cat": ${cat}`, `"cat": ${dog}`).replace(`"dog": ${dog}`, `"dog": ${cat}`);
}

/** A copy of `bytes` with every bit of its middle byte flipped. */
export function flipMiddleByte(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes); // not bytes.slice(): a Node Buffer's slice shares memory
  copy[copy.length >> 1] ^= 0xff;
  return copy;
}

/**
 * A temporary copy of the models folder (samples included) where `edit` may change files;
 * returns its path. `skip` names files not to copy.
 */
export function copyModels(edit: (dir: string) => void = () => {}, skip: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'models-'));
  const copy = (from: string, to: string) => {
    for (const name of readdirSync(from)) {
      if (skip.includes(name)) continue;
      const source = join(from, name);
      if (statSync(source).isDirectory()) {
        mkdirSync(join(to, name));
        copy(source, join(to, name));
      } else copyFileSync(source, join(to, name));
    }
  };
  copy(modelsDir, dir);
  edit(dir);
  return dir;
}

/** Rewrites `dir/file` with `change` applied to its text. */
export function editText(dir: string, file: string, change: (text: string) => string): void {
  writeFileSync(join(dir, file), change(readFileSync(join(dir, file), 'utf8')));
}

/**
 * "<n> bytes" when a load resolves, else its error message: compact for assertions (a failed
 * expectation on a resolved 19 MB array would print all of it).
 */
export function outcome(load: Promise<Uint8Array>): Promise<string> {
  return load.then(
    (bytes) => `${bytes.length} bytes`,
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
}
