// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isAbortError } from '../pipeline/models.ts';
import { InferenceClient } from './client.ts';
import type { WorkerEvent, WorkerRequest } from './protocol.ts';

/** A Worker that records requests; the test answers as the worker would. */
class FakeWorker {
  static last: FakeWorker;
  sent: WorkerRequest[] = [];
  terminated = false;
  onmessage: ((e: MessageEvent<WorkerEvent>) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  onmessageerror: (() => void) | null = null;
  constructor() {
    FakeWorker.last = this;
  }
  postMessage(request: WorkerRequest) {
    this.sent.push(request);
  }
  terminate() {
    this.terminated = true;
  }
  answer(event: WorkerEvent) {
    this.onmessage?.({ data: event } as MessageEvent<WorkerEvent>);
  }
}

describe('InferenceClient', () => {
  beforeEach(() => vi.stubGlobal('Worker', FakeWorker));
  afterEach(() => vi.unstubAllGlobals());

  it('answers predict calls with promises: v, a newer call\'s abort, or the failure; other events go on', async () => {
    const events: WorkerEvent[] = [];
    const client = new InferenceClient((e) => events.push(e), () => {});
    const worker = FakeWorker.last;
    const input = { sample: new Float32Array(2), timestep: new Float32Array(1), prompts: [''] };
    const first = client.predict(input);
    const second = client.predict({ ...input, sample: new Float32Array(2) });
    const [idA, idB] = worker.sent.filter((r) => r.type === 'predict').map((r) => r.id);
    worker.answer({ type: 'predict-cancelled', id: idA });
    worker.answer({ type: 'prediction', id: idB, v: new Float32Array([7]), ms: 3 });
    await expect(first).rejects.toSatisfy(isAbortError);
    await expect(second).resolves.toEqual({ v: new Float32Array([7]), ms: 3 });
    const third = client.predict(input);
    const idC = worker.sent.at(-1)!.id;
    worker.answer({ type: 'error', id: idC, request: 'predict', message: 'unet.onnx: boom' });
    await expect(third).rejects.toThrow('unet.onnx: boom');
    worker.answer({ type: 'progress', id: 1, file: 'a', loaded: 1, total: 2 });
    expect(events.map((e) => e.type)).toEqual(['progress']);
    client.dispose();
  });

  it('rejects pending predict calls when the worker is stopped, and refuses new ones', async () => {
    const client = new InferenceClient(() => {}, () => {});
    const pending = client.predict({ sample: new Float32Array(2), timestep: new Float32Array(1), prompts: [''] });
    client.dispose();
    await expect(pending).rejects.toThrow('the inference worker was stopped');
    await expect(client.predict({ sample: new Float32Array(2), timestep: new Float32Array(1), prompts: [''] })).rejects.toThrow('has stopped');
    expect(FakeWorker.last.terminated).toBe(true);
  });

  it('sends a comparison as one generate request with B inside, and returns both ids', () => {
    const client = new InferenceClient(() => {}, () => {});
    const settings = { prompt: 'a' } as never;
    const ids = client.generate({ settings }, { settings });
    const request = FakeWorker.last.sent.find((r) => r.type === 'generate')!;
    expect(request).toMatchObject({ id: ids.a, b: { id: ids.b } });
    expect(client.generate({ settings }).b).toBeNull();
    client.dispose();
  });
});
