import { describe, expect, it } from 'vitest';
import { pairedFrame, pairedIndex } from './compare-steps.ts';
import type { Frame } from './generation-slice.ts';

const frames = (total: number, count = total) => Array.from({ length: count }, (_, index) => ({ index, total }) as Frame);

describe('pairedIndex', () => {
  it('is the identity when both runs have the same steps', () => {
    for (let i = 0; i < 30; i++) expect(pairedIndex(i, 30, 30)).toBe(i);
  });

  it('pairs first with first and last with last, whatever the counts', () => {
    for (const [a, b] of [[30, 10], [10, 30], [7, 50], [2, 3]]) {
      expect(pairedIndex(0, a, b)).toBe(0);
      expect(pairedIndex(a - 1, a, b)).toBe(b - 1);
    }
  });

  it('maps by the fraction of the trajectory, rounded, never backwards', () => {
    expect(pairedIndex(15, 31, 11)).toBe(5); // half way
    expect(pairedIndex(1, 3, 5)).toBe(2);
    let last = 0;
    for (let i = 0; i < 30; i++) {
      const j = pairedIndex(i, 30, 12);
      expect(j).toBeGreaterThanOrEqual(last);
      expect(j).toBeLessThan(12);
      last = j;
    }
  });

  it('handles one-step runs', () => {
    expect(pairedIndex(0, 1, 20)).toBe(19);
    expect(pairedIndex(5, 10, 1)).toBe(0);
  });
});

describe('pairedFrame', () => {
  it('follows B\'s latest frame while A follows its latest', () => {
    expect(pairedFrame(null, frames(10, 4), frames(20, 7))?.index).toBe(6);
  });

  it('shows the paired step once A is scrubbed, or B\'s latest when B is not there yet', () => {
    expect(pairedFrame(9, frames(10), frames(20))?.index).toBe(19);
    expect(pairedFrame(3, frames(10), frames(20))?.index).toBe(6); // 3/9 of 19 = 6.3
    expect(pairedFrame(9, frames(10), frames(20, 5))?.index).toBe(4);
  });

  it('is undefined before B has a frame', () => {
    expect(pairedFrame(null, frames(10), [])).toBeUndefined();
  });
});
