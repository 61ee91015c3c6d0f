import { describe, expect, it } from 'vitest';
import { runSettings } from '../settings/fields.ts';
import { requestTransferablesOf, transferablesOf, type GenerateRequest } from './protocol.ts';

const settings = runSettings({ prompt: 'cat face', seed: 1, steps: 6, guidance: 4 });
const base: GenerateRequest = { type: 'generate', id: 1, settings };

describe('protocol transferables', () => {
  it('transfers the start image of a generate request', () => {
    expect(requestTransferablesOf(base)).toEqual([]);
    const image = new Float32Array(12);
    expect(requestTransferablesOf({ ...base, settings: { ...settings, start: 'img2img' }, image })).toEqual([image.buffer]);
    expect(requestTransferablesOf({ type: 'cancel', id: 1 })).toEqual([]);
  });

  it("transfers both runs' start images of a comparison, each buffer once", () => {
    const [a, b] = [new Float32Array(12), new Float32Array(12)];
    expect(requestTransferablesOf({ ...base, image: a, b: { id: 2, settings, image: b } })).toEqual([a.buffer, b.buffer]);
    expect(requestTransferablesOf({ ...base, image: a, b: { id: 2, settings, image: a } })).toEqual([a.buffer]);
    expect(requestTransferablesOf({ ...base, b: { id: 2, settings } })).toEqual([]);
  });

  it('transfers every array of a step event once: final is the last step\'s prev', () => {
    const a = () => new Float32Array(3);
    const prev = a();
    const step = {
      type: 'step', id: 1, index: 0, total: 1, t: 999, tPrev: -1, xt: a(), eps: a(), x0: a(), ms: 1, unetMs: 1, match: null,
      v: a(), ab: 0.5, prev, noise: null,
    } as const;
    expect(transferablesOf({ ...step, final: null, text: null })).toHaveLength(5);
    expect(transferablesOf({ ...step, final: prev, text: null })).toHaveLength(5);
    expect(transferablesOf({ ...step, final: prev, noise: a(), text: { ids: new Int32Array(2), context: a() } })).toHaveLength(8);
  });

  it('transfers a predict request\'s samples and a prediction\'s v', () => {
    const sample = new Float32Array(6);
    expect(requestTransferablesOf({ type: 'predict', id: 2, sample, timestep: new Float32Array(2), prompts: ['', 'a'] })).toEqual([sample.buffer]);
    const v = new Float32Array(6);
    expect(transferablesOf({ type: 'prediction', id: 2, v, ms: 1 })).toEqual([v.buffer]);
  });
});
