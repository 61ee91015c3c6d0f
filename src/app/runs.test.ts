// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeMask } from '../diffusion/mask-codec.ts';
import { keepAllMask } from '../diffusion/mask-paint.ts';
import { useStore } from '../state/store.ts';
import { fakePort, type FakePort } from '../testing/fake-port.ts';
import { generateNow, startRun, stopGeneration } from './runs.ts';
import { workerLink } from './worker-link.ts';

let port: FakePort;

describe('runs', () => {
  beforeEach(() => {
    useStore.setState(useStore.getInitialState(), true);
    port = fakePort(() => {}, () => {});
    workerLink.port = port;
  });
  afterEach(() => (workerLink.port = null));

  it("sends the form's settings as they run: eta only for DDIM, the painted mask only when kept", () => {
    const s = useStore.getState();
    s.updateSettings({ prompt: 'owl', sampler: 'euler-a', eta: 0.5 });
    generateNow();
    const [[a, b]] = port.calls.generate;
    expect(b).toBeUndefined();
    expect(a.image).toBeUndefined();
    expect(a.settings).toMatchObject({ prompt: 'owl', sampler: 'euler-a', eta: 0, mask: '' });
    expect(useStore.getState()).toMatchObject({ generationStatus: 'running', generationParams: a.settings });
    expect(useStore.getState().settings.eta).toBe(0.5); // the form keeps it for DDIM
  });

  it('starts from the forward panel\'s image only once it is there, sending a copy', () => {
    const s = useStore.getState();
    s.updateSettings({ start: 'img2img' });
    expect(startRun(useStore.getState().settings)).toBeNull();
    expect(port.calls.generate).toHaveLength(0);
    const image = new Float32Array(3 * 64 * 64).fill(0.25);
    s.setForwardImage(image);
    generateNow();
    const sent = port.calls.generate[0][0].image!;
    expect(sent).not.toBe(image);
    expect(Array.from(sent)).toEqual(Array.from(image));
  });

  it('refuses a painted mask that does not fit the image, with a notice', () => {
    const s = useStore.getState();
    s.setForwardImage(new Float32Array(3 * 64 * 64));
    s.applyPaintedMask(keepAllMask(32).fill(0, 0, 10), 32);
    generateNow();
    expect(port.calls.generate).toHaveLength(0);
    expect(useStore.getState().urlProblems[0]).toMatch(/^mask: .*; paint the mask again$/);
    s.applyPaintedMask(keepAllMask(64).fill(0, 0, 10), 64);
    generateNow();
    expect(port.calls.generate[0][0].settings).toMatchObject({ start: 'inpaint', keep: 'mask', mask: encodeMask(keepAllMask(64).fill(0, 0, 10)) });
  });

  it('compare mode sends A and B as one request, B with its own five settings and no branch', () => {
    const s = useStore.getState();
    s.updateSettings({ prompt: 'cat face', fork: 2, fork_prompt: 'dog' });
    s.startComparing();
    s.setCompareB({ b_prompt: 'red heart', b_steps: 4 });
    generateNow();
    const [[a, b]] = port.calls.generate;
    expect(a.settings).toMatchObject({ prompt: 'cat face', fork: 2 });
    expect(b!.settings).toMatchObject({ prompt: 'red heart', steps: 4, seed: 2, fork: -1 });
    expect(useStore.getState().compareStatus).toBe('running');
    expect(useStore.getState().compareIds).toEqual({ a: useStore.getState().generationId, b: useStore.getState().generationId! + 1 });
  });

  it('Stop cancels the running run, or a comparison\'s B that outlasts A', () => {
    generateNow();
    const id = useStore.getState().generationId!;
    stopGeneration();
    expect(port.calls.cancel).toEqual([id]);
    useStore.getState().completeGeneration(id, 1);
    useStore.getState().startCompare({ a: id, b: id + 1 }, useStore.getState().settings);
    stopGeneration();
    expect(port.calls.cancel).toEqual([id, id + 1]);
  });

  it('does nothing without a worker', () => {
    workerLink.port = null;
    generateNow();
    expect(useStore.getState().generationStatus).toBe('idle');
  });
});
