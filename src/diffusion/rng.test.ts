import { describe, expect, it } from 'vitest';
import { readFixture } from '../testing/fixtures.ts';
import { createRng } from './rng.ts';

describe('mulberry32', () => {
  it('matches values computed by training/rng.py', () => {
    const r = createRng(1);
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32(), r.nextUint32()]).toEqual([2693262067, 11749833, 2265367787, 4213581821]);
    const top = createRng(0xffffffff);
    expect([top.nextUint32(), top.nextUint32()]).toEqual([3850105811, 813802916]);
  });

  it('takes the seed modulo 2^32', () => {
    expect(createRng(2 ** 32 + 1).nextUint32()).toBe(createRng(1).nextUint32());
    expect(createRng(-1).nextUint32()).toBe(createRng(0xffffffff).nextUint32());
  });

  it('gives Box-Muller normals z0, z1 per pair and drops the last z1 of an odd count', () => {
    const five = createRng(42).normals(5);
    expect(Array.from(five)).toEqual([-0.9561622142791748, 0.32207024097442627, -0.27302610874176025, -0.4946727454662323, -1.8416272401809692]);
    expect(Array.from(createRng(42).normals(6).subarray(0, 5))).toEqual(Array.from(five));
    // 5 normals used 6 draws: the next draw is the 7th.
    const a = createRng(42);
    a.normals(5);
    const b = createRng(42);
    for (let i = 0; i < 6; i++) b.nextUint32();
    expect(a.nextUint32()).toBe(b.nextUint32());
  });

  it('has roughly standard normal moments', () => {
    const z = createRng(7).normals(100_000);
    const mean = z.reduce((s, x) => s + x, 0) / z.length;
    const variance = z.reduce((s, x) => s + (x - mean) ** 2, 0) / z.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
  });
});

describe('rng parity with training/rng.py (src/fixtures/rng.json)', () => {
  const fixture = readFixture<{ cases: { seed: number; count: number; uint32: number[]; normals: number[] }[] }>('rng.json');

  it('has cases', () => expect(fixture.cases.length).toBeGreaterThan(0));

  for (const c of fixture.cases) {
    it(`seed ${c.seed}: uint32 draws identical, ${c.count} normals identical in float32`, () => {
      const r = createRng(c.seed);
      expect(c.uint32.map(() => r.nextUint32())).toEqual(c.uint32);
      expect(Array.from(createRng(c.seed).normals(c.count))).toEqual(Array.from(Float32Array.from(c.normals)));
    });
  }
});
