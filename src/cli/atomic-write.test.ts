import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write.ts';

describe('writeFileAtomic', () => {
  it('replaces an existing file whole and leaves no temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const path = join(dir, 'out.png');
    writeFileSync(path, 'old contents, longer than the new ones');
    writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(['out.png']);
  });

  it('names the path and leaves nothing when the file cannot be written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    mkdirSync(join(dir, 'taken.png')); // a folder where the file should go: the rename fails
    writeFileSync(join(dir, 'taken.png', 'inside'), 'x');
    expect(() => writeFileAtomic(join(dir, 'taken.png'), new Uint8Array(10))).toThrow(
      new RegExp(`^${join(dir, 'taken.png')}: could not write \\(.+\\); no partial file was left$`),
    );
    expect(readdirSync(dir)).toEqual(['taken.png']);
  });
});
