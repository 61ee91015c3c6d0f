import { describe, expect, it } from 'vitest';
import { fakeModels } from '../testing/fake-model.ts';
import { interleave } from './interleave.ts';
import { generateRun as generate, type TestRun } from '../testing/runs.ts';
import type { StepFrame } from './generate.ts';

async function* count(name: string, n: number, log: string[] = []): AsyncGenerator<string> {
  for (let i = 0; i < n; i++) {
    log.push(`pull ${name}${i}`);
    yield `${name}${i}`;
  }
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

describe('interleave', () => {
  it('takes one item from each stream in turn, and goes on with the longer one when the shorter ends', async () => {
    const out = await all(interleave([count('a', 2), count('b', 4)]));
    expect(out.map((o) => `${o.lane}:${o.value}`)).toEqual(['0:a0', '1:b0', '0:a1', '1:b1', '1:b2', '1:b3']);
  });

  it('pulls lazily: a stream computes its next item only on its turn, so the work alternates too', async () => {
    const log: string[] = [];
    const seen: string[] = [];
    for await (const { value } of interleave([count('a', 2, log), count('b', 2, log)])) seen.push(`got ${value}`), log.push(`got ${value}`);
    expect(log).toEqual(['pull a0', 'got a0', 'pull b0', 'got b0', 'pull a1', 'got a1', 'pull b1', 'got b1']);
  });

  it('with one stream is that stream, item for item', async () => {
    expect((await all(interleave([count('a', 3)]))).map((o) => o.value)).toEqual(['a0', 'a1', 'a2']);
    expect(await all(interleave([]))).toEqual([]);
  });

  it('returns every stream when the consumer stops early', async () => {
    const finished: string[] = [];
    async function* tracked(name: string) {
      try {
        for (let i = 0; ; i++) yield `${name}${i}`;
      } finally {
        finished.push(name);
      }
    }
    for await (const { value } of interleave([tracked('a'), tracked('b')])) if (value === 'b1') break;
    expect(finished.sort()).toEqual(['a', 'b']);
  });

  it('two real generations interleaved give the same frames as each run alone', async () => {
    const a: TestRun = { prompt: 'cat face', seed: 3, steps: 6, guidance: 4, sampler: 'dpmpp-2m' };
    const b: TestRun = { prompt: 'red heart', seed: 4, steps: 9, guidance: 2, sampler: 'euler-a' };
    const models = fakeModels(); // one set of models shared, as in the worker
    const alone = [await all(generate(models, a)), await all(generate(models, b))];
    const together: StepFrame[][] = [[], []];
    const lanes: number[] = [];
    for await (const { lane, value } of interleave([generate(models, a), generate(models, b)])) {
      together[lane].push(value);
      lanes.push(lane);
    }
    expect(lanes.slice(0, 6)).toEqual([0, 1, 0, 1, 0, 1]);
    for (const lane of [0, 1]) {
      expect(together[lane].length).toBe(alone[lane].length);
      together[lane].forEach((f, i) => {
        expect(Array.from(f.prev), `lane ${lane} step ${i}`).toEqual(Array.from(alone[lane][i].prev));
        expect(Array.from(f.x0)).toEqual(Array.from(alone[lane][i].x0));
      });
    }
  });
});
