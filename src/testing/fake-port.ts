/** Test support: a worker port that records what the page asks of it, for src/app/'s tests. */
import type { Prediction, RunInput, WorkerPort } from '../worker/client.ts';
import type { WorkerEvent } from '../worker/protocol.ts';

/** What a FakePort was asked, in order. */
export interface FakePort extends WorkerPort {
  calls: { load: unknown[][]; generate: [RunInput, RunInput | undefined][]; cancel: number[]; predict: unknown[]; expectFiles: string[][] };
  disposed: boolean;
  /** Sends an event to the page as the worker would. */
  emit(event: WorkerEvent): void;
  /** Reports the worker's death. */
  die(reason: string): void;
}

let nextId = 100;

/** A port whose events and death the test drives; generate gives ids from 100 up. */
export function fakePort(onEvent: (e: WorkerEvent) => void, onDead: (reason: string) => void): FakePort {
  const port: FakePort = {
    calls: { load: [], generate: [], cancel: [], predict: [], expectFiles: [] },
    disposed: false,
    load: (...args) => (port.calls.load.push(args), nextId++),
    expectFiles: (files) => void port.calls.expectFiles.push(files),
    generate: (a, b) => {
      port.calls.generate.push([a, b]);
      return { a: nextId++, b: b ? nextId++ : null };
    },
    cancel: (id) => void port.calls.cancel.push(id),
    predict: (input) => {
      port.calls.predict.push(input);
      return Promise.resolve<Prediction>({ v: new Float32Array(1), ms: 1 });
    },
    dispose: () => void (port.disposed = true),
    emit: onEvent,
    die: onDead,
  };
  return port;
}
