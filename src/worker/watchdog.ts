/**
 * Decides, from what the inference worker sends and when, whether it is still alive and whether a
 * model download has stalled. Pure bookkeeping over a clock in milliseconds, so it is unit-tested
 * without a worker; the client feeds it events and asks `check` on a timer.
 */
import type { WorkerEvent } from './protocol.ts';

/** How long the watchdog waits, in milliseconds. */
export interface WatchdogLimits {
  /**
   * Silence (no message of any kind, pongs included) after which the worker counts as hung. The
   * worker answers pings between denoising steps, so this must exceed the slowest single step.
   */
  heartbeatMs: number;
  /** Time without a new downloaded byte, while a model file is still incomplete, after which the download counts as stalled. */
  stallMs: number;
}

/**
 * Defaults: 30 s of silence, several times the longest gap between steps seen on a busy machine;
 * 20 s without a downloaded byte (docs/benchmark.md, "Figures behind choices in the code").
 */
export const DEFAULT_LIMITS: WatchdogLimits = { heartbeatMs: 30_000, stallMs: 20_000 };

/**
 * While a load is under way the silence allowed is this many heartbeats: opening the ONNX sessions
 * blocks the worker's thread for longer than a heartbeat on a busy machine (docs/benchmark.md, "Figures behind choices in the code"), and a stalled
 * download has its own, shorter limit.
 */
export const LOAD_SILENCE_FACTOR = 4;

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** Tracks one worker's liveness and its current model download. */
export class Watchdog {
  private lastHeard: number;
  /** Set while a load request is unanswered: when it started and when a byte last arrived. */
  private loading: { since: number; lastByte: number } | null = null;
  private files = new Map<string, { loaded: number; total: number }>();
  /** Files the download must include (from the page's manifest), when known. */
  private expected: string[] = [];

  constructor(
    private readonly limits: WatchdogLimits,
    now: number,
  ) {
    this.lastHeard = now;
  }

  /** A load request was sent. */
  loadStarted(now: number): void {
    this.loading = { since: now, lastByte: now };
    this.files.clear();
  }

  /** Names the model files a load must download, so one that never starts also counts as stalled. */
  expectFiles(files: string[]): void {
    this.expected = files;
  }

  /** Any message from the worker. */
  heard(event: WorkerEvent, now: number): void {
    this.lastHeard = now;
    if (event.type === 'progress' && this.loading) {
      const before = this.files.get(event.file)?.loaded ?? -1;
      if (event.loaded > before) this.loading.lastByte = now;
      this.files.set(event.file, { loaded: event.loaded, total: event.total });
    }
    if ((event.type === 'ready' || (event.type === 'error' && event.request === 'load')) && this.loading) this.loading = null;
  }

  /** Why the worker should be given up on now, or null while all is well. */
  check(now: number): string | null {
    const silent = now - this.lastHeard;
    const allowed = this.limits.heartbeatMs * (this.loading ? LOAD_SILENCE_FACTOR : 1);
    if (silent > allowed) return `the inference worker stopped answering (no reply for ${Math.round(silent / 1000)} s)`;
    if (!this.loading || !this.downloading()) return null;
    const idle = now - this.loading.lastByte;
    if (idle <= this.limits.stallMs) return null;
    const incomplete = [...this.files].find(([, f]) => f.loaded < f.total);
    const secs = Math.round(idle / 1000);
    if (incomplete) {
      const [file, f] = incomplete;
      return `the download of ${file} stalled at ${mb(f.loaded)} of ${mb(f.total)} MB (no data for ${secs} s)`;
    }
    const missing = this.expected.find((file) => !this.files.has(file));
    return `the model download stalled${missing ? ` before ${missing} started` : ''} (no data for ${secs} s)`;
  }

  /** Whether bytes are still owed: no file started yet, one incomplete, or an expected one not started. */
  private downloading(): boolean {
    if (this.files.size === 0) return true;
    for (const f of this.files.values()) if (f.loaded < f.total) return true;
    return this.expected.some((file) => !this.files.has(file));
  }
}
