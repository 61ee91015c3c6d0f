import { describe, expect, it } from 'vitest';
import { fakeModels } from '../testing/fake-model.ts';
import type { GpuSteps } from './pipeline.ts';
import { GPU_SAMPLER_ON, gpuSamplerNote, type LoadedModels } from './sessions.ts';

function loaded(off: string | null): LoadedModels {
  const gpuSteps: GpuSteps = { off, ahead: 4, open: () => { throw new Error('unused'); } };
  return {
    models: { ...fakeModels(), gpuSteps },
    backend: 'webgpu',
    reason: `WebGPU adapter: nvidia; graph capture on; ${GPU_SAMPLER_ON}`,
    threads: 0,
    firstCallMs: 1,
    scorer: { available: false, note: '' },
  };
}

describe('gpuSamplerNote', () => {
  it('says nothing while the sampler on the GPU is on', () => {
    expect(gpuSamplerNote(loaded(null))).toBeNull();
  });

  it('rewrites the backend reason once when it has turned itself off', () => {
    const l = loaded('a step on the GPU sampler differed from the CPU\'s maths by 1.0e-2');
    expect(gpuSamplerNote(l)).toBe('WebGPU adapter: nvidia; graph capture on; sampler on the CPU: a step on the GPU sampler differed from the CPU\'s maths by 1.0e-2');
    expect(l.reason).toContain('sampler on the CPU');
    expect(gpuSamplerNote(l)).toBeNull(); // said once
  });
});
