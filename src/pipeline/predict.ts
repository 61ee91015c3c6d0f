/**
 * The training view's model call: the U-Net's v for given noised samples, timesteps and prompts, as
 * training fed it (one row per sample; "" is the unconditional prompt that classifier-free dropout
 * trained). A plain function of the models, like the denoising loop, so tests run it on the fake U-Net.
 */
import { contextShape } from '../model/manifest.ts';
import { abortError, type Models } from './models.ts';

/** Rows of one U-Net call: the batch every generation step uses, so no new shape meets the runtime. */
const ROWS_PER_CALL = 2;

/** What to predict: B rows. */
export interface PredictInput {
  /** [B, C, H, W] float32 in model units. */
  sample: Float32Array;
  /** [B] timesteps, each in 0..T-1. */
  timestep: Float32Array;
  /** B prompts; "" means the manifest's uncond_prompt. */
  prompts: string[];
}

/**
 * v [B, C, H, W] for every row. Text is encoded once per distinct prompt; the U-Net runs 2 rows per
 * call. `between` runs after each call (the worker yields there so a cancel can arrive); the signal
 * is checked before each call and aborts with an AbortError.
 */
export async function predictV(models: Models, input: PredictInput, signal?: AbortSignal, between?: () => Promise<void>): Promise<Float32Array> {
  const { manifest } = models;
  const size = manifest.channels * manifest.resolution ** 2;
  const T = manifest.schedule.num_train_timesteps;
  const B = input.prompts.length;
  if (B < 1) throw new RangeError('predict: at least one row is needed');
  if (input.sample.length !== B * size) throw new RangeError(`predict: sample must have ${B} x ${size} values ([B, C, H, W]), got ${input.sample.length}`);
  if (input.timestep.length !== B) throw new RangeError(`predict: timestep must have ${B} values, got ${input.timestep.length}`);
  for (const t of input.timestep) if (!(t >= 0 && t <= T - 1)) throw new RangeError(`predict: timesteps must be in 0..${T - 1}, got ${t}`);
  const { length: L, width: D } = contextShape(manifest);

  // 1. One text-encoder call for the distinct prompts.
  const distinct = [...new Set(input.prompts.map((p) => (p === '' ? manifest.uncond_prompt : p)))];
  const ids = new Int32Array(distinct.length * L); // [P, L]
  distinct.forEach((p, i) => ids.set(models.tokenizer.encode(p), i * L));
  if (signal?.aborted) throw abortError();
  const contexts = await models.encodeText(ids, distinct.length); // [P, L, D]
  const rowContext = input.prompts.map((p) => distinct.indexOf(p === '' ? manifest.uncond_prompt : p));

  // 2. The U-Net, a few rows at a time.
  const v = new Float32Array(B * size); // [B, C, H, W]
  for (let start = 0; start < B; start += ROWS_PER_CALL) {
    const rows = Math.min(ROWS_PER_CALL, B - start);
    const context = new Float32Array(rows * L * D); // [rows, L, D]
    for (let r = 0; r < rows; r++) context.set(contexts.subarray(rowContext[start + r] * L * D, (rowContext[start + r] + 1) * L * D), r * L * D);
    if (signal?.aborted) throw abortError();
    const out = await models.unet(input.sample.slice(start * size, (start + rows) * size), input.timestep.slice(start, start + rows), context, rows);
    if (out.length !== rows * size) throw new Error(`U-Net returned ${out.length} values, expected ${rows * size}`);
    v.set(out, start * size);
    await between?.();
  }
  if (signal?.aborted) throw abortError();
  return v;
}
