/**
 * The seeded noise generator shared with training/rng.py: a seed means the same noise everywhere.
 *
 * mulberry32 (one uint32 of state) gives uniform uint32 draws; Box-Muller turns each pair (a, b) into
 * two standard normals, computed in float64 and stored as float32. An odd count drops the last z1.
 */

const TWO32 = 4294967296;

/** A mulberry32 generator. `state` is the uint32 state; copy it to resume a stream later. */
export class Mulberry32 {
  /** Current uint32 state (the next draw advances it first). */
  state: number;

  /** `seed` is taken modulo 2^32, like `seed >>> 0`. */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next uniform draw, an integer in 0..2^32-1. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    const s = this.state;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** `count` standard normal values, emitted z0, z1, z0, z1, ... (two draws per pair). */
  normals(count: number): Float32Array {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i += 2) {
      const u1 = (this.nextUint32() + 0.5) / TWO32; // in (0, 1): log never sees 0
      const u2 = (this.nextUint32() + 0.5) / TWO32;
      const r = Math.sqrt(-2 * Math.log(u1));
      out[i] = r * Math.cos(2 * Math.PI * u2);
      if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
    }
    return out;
  }
}

/** A fresh generator seeded with `seed` (taken modulo 2^32). */
export function createRng(seed: number): Mulberry32 {
  return new Mulberry32(seed);
}
