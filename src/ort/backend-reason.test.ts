import { describe, expect, it } from 'vitest';
import type { GpuSteps } from '../pipeline/models.ts';
import { fakeModels } from '../testing/fake-model.ts';
import { backendReason } from './load-models.ts';
import { GPU_SAMPLER_ON } from './webgpu-sessions.ts';

const reason = 'WebGPU adapter: nvidia; graph capture on';

function loaded(off: string | null) {
  const gpuSteps: GpuSteps = { off, ahead: 4, open: () => { throw new Error('unused'); } };
  return { models: { ...fakeModels(), gpuSteps }, reason };
}

describe('backendReason', () => {
  it('says the sampler is on the GPU while it is on', () => {
    expect(backendReason(loaded(null))).toBe(`${reason}; ${GPU_SAMPLER_ON}`);
  });

  it('says why once it has turned itself off', () => {
    const l = loaded(null);
    l.models.gpuSteps.off = 'a step on the GPU sampler differed from the CPU\'s maths by 1.0e-2';
    expect(backendReason(l)).toBe(`${reason}; sampler on the CPU: a step on the GPU sampler differed from the CPU's maths by 1.0e-2`);
  });

  it('is the load\'s reason alone without a GPU sampler', () => {
    expect(backendReason({ models: fakeModels(), reason: 'navigator.gpu missing' })).toBe('navigator.gpu missing');
  });
});
