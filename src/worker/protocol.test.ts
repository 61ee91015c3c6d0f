import { describe, expect, it } from 'vitest';
import { requestTransferablesOf, transferablesOf, type GenerateRequest } from './protocol.ts';

const base: GenerateRequest = {
  type: 'generate', id: 1, prompt: 'cat face', seed: 1, steps: 6, guidance: 4, sampler: 'ddim', spacing: 'trailing', eta: 0, negativePrompt: '', guidanceRescale: 0,
};

describe('protocol transferables', () => {
  it('transfers the start-point arrays of a generate request, each buffer once', () => {
    expect(requestTransferablesOf(base)).toEqual([]);
    const image = new Float32Array(12);
    const mask = new Float32Array(4);
    expect(requestTransferablesOf({ ...base, init: { image, strength: 0.5 } })).toEqual([image.buffer]);
    expect(requestTransferablesOf({ ...base, init: { image, strength: 0.5 }, inpaint: { image, mask } })).toEqual([image.buffer, mask.buffer]);
    expect(requestTransferablesOf({ type: 'cancel', id: 1 })).toEqual([]);
  });

  it('transfers the final image of a step event when it has one', () => {
    const a = () => new Float32Array(3);
    const step = { type: 'step', id: 1, index: 0, total: 1, t: 999, tPrev: -1, xt: a(), eps: a(), x0: a(), ms: 1, unetMs: 1, match: null } as const;
    expect(transferablesOf({ ...step, final: null })).toHaveLength(3);
    expect(transferablesOf({ ...step, final: a() })).toHaveLength(4);
  });
});
