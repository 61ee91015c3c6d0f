import { describe, expect, it } from 'vitest';
import type { WorkerEvent } from './protocol.ts';
import { Watchdog } from './watchdog.ts';

const limits = { heartbeatMs: 10_000, stallMs: 20_000 };
const pong: WorkerEvent = { type: 'pong', id: 1 };
const progress = (file: string, loaded: number, total: number): WorkerEvent => ({ type: 'progress', id: 2, file, loaded, total });

describe('watchdog', () => {
  it('counts a worker that sends nothing for longer than the heartbeat limit as hung', () => {
    const w = new Watchdog(limits, 0);
    expect(w.check(10_000)).toBeNull();
    w.heard(pong, 9_000);
    expect(w.check(19_000)).toBeNull();
    expect(w.check(19_001)).toBe('the inference worker stopped answering (no reply for 10 s)');
  });

  it('counts a download with no new byte for longer than the stall limit as stalled, naming the file and how far it got', () => {
    const w = new Watchdog({ heartbeatMs: 1e9, stallMs: 20_000 }, 0);
    w.loadStarted(0);
    w.heard(progress('unet.onnx', 0, 26_700_000), 100);
    w.heard(progress('unet.onnx', 17_200_000, 26_700_000), 5_000);
    // Pongs keep the worker alive but are not download progress.
    for (let t = 6_000; t <= 25_000; t += 1000) w.heard(pong, t);
    expect(w.check(25_000)).toBeNull();
    expect(w.check(25_001)).toBe('the download of unet.onnx stalled at 17.2 of 26.7 MB (no data for 20 s)');
  });

  it('does not count the runtime start after a complete download, or a finished load, as a stall', () => {
    const w = new Watchdog({ heartbeatMs: 1e9, stallMs: 20_000 }, 0);
    w.loadStarted(0);
    w.expectFiles(['text_encoder.onnx', 'unet.onnx']);
    w.heard(progress('text_encoder.onnx', 10, 10), 1_000);
    w.heard(progress('unet.onnx', 20, 20), 2_000);
    expect(w.check(60_000)).toBeNull();
    w.loadStarted(70_000);
    w.heard({ type: 'error', id: 3, request: 'load', message: 'unet.onnx: HTTP 404' }, 71_000);
    expect(w.check(200_000)).toBeNull();
  });

  it('counts an expected file whose download never started as stalled', () => {
    const w = new Watchdog({ heartbeatMs: 1e9, stallMs: 20_000 }, 0);
    w.loadStarted(0);
    w.expectFiles(['text_encoder.onnx', 'unet.onnx']);
    w.heard(progress('text_encoder.onnx', 10, 10), 1_000);
    expect(w.check(21_000)).toBeNull();
    expect(w.check(21_001)).toBe('the model download stalled before unet.onnx started (no data for 20 s)');
  });

  it('allows a load four heartbeats of silence (opening the sessions blocks the worker), then counts it as hung', () => {
    const w = new Watchdog(limits, 0);
    w.loadStarted(0);
    w.heard(progress('unet.onnx', 20, 20), 1_000);
    expect(w.check(41_000)).toBeNull();
    expect(w.check(41_001)).toBe('the inference worker stopped answering (no reply for 40 s)');
    w.heard({ type: 'ready', id: 2, backend: 'wasm', reason: '', threads: 1, loadMs: 1, firstCallMs: 0, scorer: { available: false, note: '' } }, 42_000);
    expect(w.check(52_001)).toMatch(/stopped answering/);
  });
});
