/**
 * The benchmark's measuring protocol, the same for every backend: which generations to run, in what
 * order, and how their reported timings become figures. A backend only has to provide a `Driver`
 * (scripts/bench/bench.ts drives the real page in Chromium; scripts/bench/bench-node.ts runs Node runtimes).
 */

/** What the driver reports after loading the models. */
export interface LoadInfo {
  /** Download/read + SHA-256 check + runtime init + session creation, in ms (WebGPU also runs one test step). */
  loadMs: number;
  /** Which execution provider ended up running the models ('wasm', 'webgpu', 'cpu'). */
  backend: string;
  /** Threads the runtime was given (0 for WebGPU). */
  threads: number;
  /** Free text: why this backend, runtime versions, adapter... */
  note: string;
}

/** One generation, with the timings the worker (or the Node driver) measured around each model call. */
export interface RunRecord {
  steps: number;
  guidance: number;
  /** The whole generation in the worker / Node process: text encoding + every step, in ms. */
  ms: number;
  /** The one text-encoder call, in ms. */
  textMs: number;
  /** Each step's U-Net call, in ms. */
  unetMs: number[];
  /** Seen from outside (the test driver): request sent to final event received, in ms. */
  wallMs: number;
}

/** Memory at one moment; bytes, null where the method cannot tell. */
export interface MemorySample {
  /** Resident set size of the process(es) that run the model. */
  rssBytes: number | null;
  /** JavaScript memory as the runtime reports it (see `method`). */
  jsBytes: number | null;
  /** How the two numbers were obtained, in words. */
  method: string;
}

/** A backend, as the protocol sees it. */
export interface Driver {
  load(): Promise<LoadInfo>;
  /**
   * One generation. `timesCalls`: the run is there to time each U-Net call (plan step 3), so a driver
   * whose steps can run without a separate U-Net call (the GPU sampler) runs them with one.
   */
  generate(params: { steps: number; guidance: number; timesCalls?: boolean }): Promise<RunRecord>;
  memory(): Promise<MemorySample>;
}

/** How much to run. */
export interface Plan {
  /** U-Net calls timed per batch size (after one untimed warm-up call of that size). */
  calls: number;
  /** Guided generations in a row at `steps[0]` steps: their median time, memory after the 1st and last. */
  runs: number;
  /** Step counts of the end-to-end guided generations; the first is the back-to-back series. */
  steps: number[];
  /** Generations timed for each of `steps[1..]`. */
  extraRuns: number;
}

/** Median, 90th percentile (nearest rank) and count of a set of timings, in ms. */
export interface Stats {
  n: number;
  median: number;
  p90: number;
  min: number;
  max: number;
}

/** Every figure of one backend. */
export interface Measured {
  load: LoadInfo;
  /** The first generation (1 guided step: text encoder + one batch-2 U-Net call), in ms. */
  warmupMs: number;
  /** load + warm-up: from nothing to a model that runs at full speed, in ms. */
  readyMs: number;
  unetBatch1: Stats;
  unetBatch2: Stats;
  /** Text encoder at batch 2 ([uncond, cond]), over every guided generation after the warm-up. */
  textBatch2: Stats;
  /** Per step, the time outside the two models (sampler, noise, copies, posting frames), over the series. */
  otherPerStep: Stats;
  /** Guided generation time per step count (key: steps). */
  endToEnd: Record<string, Stats>;
  memory: { afterFirst: MemorySample; afterLast: MemorySample; runs: number };
  /** Every generation, in order, for whoever wants to look closer. */
  records: RunRecord[];
  /** WebGPU in Node only: calls on the WebGPU API per U-Net call, by batch size. */
  gpu?: GpuCallCounts;
}

/** Median WebGPU API calls per U-Net call at each batch size (the first call of each size, which compiles shaders, left out). */
export interface GpuCallCounts {
  /** batch size -> median counts per call and how many calls they cover */
  [batch: string]: { calls: number; dispatch: number; bindGroup: number; writeBuffer: number; copy: number; submit: number };
}

/** Summarises per-call counts ({ batch, dispatch, ... } in call order) into GpuCallCounts. */
export function medianCounts(calls: { batch: number; dispatch: number; bindGroup: number; writeBuffer: number; copy: number; submit: number }[]): GpuCallCounts {
  const out: GpuCallCounts = {};
  for (const batch of [...new Set(calls.map((c) => c.batch))].sort()) {
    const mine = calls.filter((c) => c.batch === batch);
    const timed = mine.length > 1 ? mine.slice(1) : mine;
    const med = (key: 'dispatch' | 'bindGroup' | 'writeBuffer' | 'copy' | 'submit') => stats(timed.map((c) => c[key])).median;
    out[batch] = { calls: timed.length, dispatch: med('dispatch'), bindGroup: med('bindGroup'), writeBuffer: med('writeBuffer'), copy: med('copy'), submit: med('submit') };
  }
  return out;
}

/** The guidance scale of guided runs (any value != 1 gives batch 2). Every run: "cat face", seed 1, DDIM, trailing spacing. */
const GUIDED = 4;

/** Runs the plan on one driver. `log` gets one line per phase (progress on stderr). */
export async function measure(driver: Driver, plan: Plan, log: (line: string) => void): Promise<Measured> {
  const records: RunRecord[] = [];
  const run = async (steps: number, guidance: number, timesCalls = false) => {
    const record = await driver.generate({ steps, guidance, timesCalls });
    records.push(record);
    return record;
  };

  // 1. Model-ready: load, then one guided step (first calls allocate buffers, compile shaders).
  const load = await driver.load();
  log(`loaded in ${load.loadMs.toFixed(0)} ms (${load.backend}, ${load.threads} threads) ${load.note}`);
  const warmup = await run(1, GUIDED);
  log(`warm-up generation ${warmup.ms.toFixed(0)} ms`);

  // 2. Back-to-back guided generations: timing, and memory after the first and the last.
  const series: RunRecord[] = [];
  let afterFirst: MemorySample | null = null;
  for (let i = 0; i < plan.runs; i++) {
    series.push(await run(plan.steps[0], GUIDED));
    if (i === 0) afterFirst = await driver.memory();
    log(`run ${i + 1}/${plan.runs}: ${plan.steps[0]} steps in ${series[i].ms.toFixed(0)} ms`);
  }
  const afterLast = await driver.memory();

  // 3. U-Net per call at batch 1 (guidance 1: conditional only) and batch 2 (guided), first call dropped.
  const batch1 = await run(plan.calls + 1, 1, true);
  log(`U-Net batch 1: ${plan.calls + 1} calls in ${batch1.ms.toFixed(0)} ms`);
  const batch2 = await run(plan.calls + 1, GUIDED, true);
  log(`U-Net batch 2: ${plan.calls + 1} calls in ${batch2.ms.toFixed(0)} ms`);

  // 4. The other step counts.
  const endToEnd: Record<string, Stats> = { [plan.steps[0]]: stats(series.map((r) => r.ms)) };
  for (const steps of plan.steps.slice(1)) {
    const runs: RunRecord[] = [];
    for (let i = 0; i < plan.extraRuns; i++) runs.push(await run(steps, GUIDED));
    endToEnd[steps] = stats(runs.map((r) => r.ms));
    log(`${steps} steps: ${endToEnd[steps].median.toFixed(0)} ms (median of ${runs.length})`);
  }

  const guidedAfterWarmup = records.slice(1).filter((r) => r.guidance !== 1);
  return {
    load,
    warmupMs: warmup.ms,
    readyMs: load.loadMs + warmup.ms,
    unetBatch1: stats(batch1.unetMs.slice(1)),
    unetBatch2: stats(batch2.unetMs.slice(1)),
    textBatch2: stats(guidedAfterWarmup.map((r) => r.textMs)),
    // NaN U-Net times (steps on the GPU sampler, which makes no U-Net call of its own) leave this empty.
    otherPerStep: stats(series.map((r) => (r.ms - r.textMs - sum(r.unetMs)) / r.steps).filter(Number.isFinite)),
    endToEnd,
    memory: { afterFirst: afterFirst!, afterLast, runs: plan.runs },
    records,
  };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Median and nearest-rank 90th percentile. */
export function stats(values: number[]): Stats {
  if (values.length === 0) return { n: 0, median: NaN, p90: NaN, min: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  const p90 = sorted[Math.min(n - 1, Math.ceil(0.9 * n) - 1)];
  return { n, median, p90, min: sorted[0], max: sorted[n - 1] };
}
