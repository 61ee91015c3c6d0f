/** The blocks of the architecture view: each one's formula and a plain explanation, shown when it is clicked. */
import type { SamplerName } from '../diffusion/sampler.ts';

/** Names of the clickable blocks, in data-flow order. */
export type BlockId =
  | 'tokens' | 'encoder' | 'context' | 'xt' | 'unet' | 'eps-uncond' | 'eps-cond' | 'eps-diff' | 'eps-guided'
  | 'x0' | 'sampler' | 'noise' | 'prev' | 'removed';

/** What a block is: its title, its formula and one or two plain sentences. */
export interface BlockText {
  title: string;
  formula: string;
  text: string;
}

/** The sampler's update, written out per sampler (z: the fresh noise; DDIM's σ is 0 unless eta > 0). */
const SAMPLER_FORMULA: Record<SamplerName, string> = {
  ddim: 'x_{t−1} = √ᾱ_{t−1} · x̂₀ + √(1 − ᾱ_{t−1} − σ²) · ε̂ + σ · z',
  ddpm: 'x_{t−1} = μ̃(x_t, x̂₀) + σ_t · z,  μ̃ = (√ᾱ_{t−1} β_t x̂₀ + √α_t (1 − ᾱ_{t−1}) x_t) / (1 − ᾱ_t)',
  'euler-a': 'x_{t−1} = x̂₀ + σ_down · ε̂ + σ_up · z  (in σ = √((1 − ᾱ)/ᾱ) units, then rescaled)',
  'dpmpp-2m': 'x_{t−1} = (σ_{t−1}/σ_t) x_t − α_{t−1} (e^{−h} − 1) D,  D = a 2nd-order mix of this and the last x̂₀',
};

/** The text of block `id` for a step run with `sampler` and guidance `w`. */
export function blockText(id: BlockId, sampler: SamplerName, w: number): BlockText {
  switch (id) {
    case 'tokens':
      return { title: 'Tokens', formula: 'ids = tokenizer(prompt)  (16 ids: BOS, words, EOS, PAD…)', text: 'Each word becomes a number. Words from the training captions have their own learned row; words that never appeared in a caption but have a GloVe word vector reuse that vector, so they land near similar words; any other word is hashed into one of 256 shared buckets and means little to the model.' };
    case 'encoder':
      return { title: 'Text encoder', formula: 'context = TextEncoder(ids) ∈ ℝ^{L×D}', text: 'A small transformer, trained CLIP-style to match captions with pictures, turns the ids into one vector per token. It runs once per generation, not once per step.' };
    case 'context':
      return { title: 'Context', formula: 'context[l, d]: row l = token l, column d = feature d', text: 'The vectors the U-Net reads through cross-attention at every step. Red is positive, blue negative; each row is one token above.' };
    case 'xt':
      return { title: 'x_t, the noisy sample', formula: 'x_t = √ᾱ_t · x₀ + √(1 − ᾱ_t) · ε', text: 'The image this step starts from: at the first step pure noise, later the previous step’s result. ᾱ_t says how much of it is still signal.' };
    case 'unet':
      return { title: 'U-Net, one batch of two', formula: '[v̂_∅, v̂_c] = UNet([x_t, x_t], [t, t], [context_∅, context])', text: 'One call runs the same x_t twice: once with the empty prompt and once with yours. The model predicts v = √ᾱ_t ε − √(1 − ᾱ_t) x₀; each branch’s noise estimate follows from it.' };
    case 'eps-uncond':
      return { title: 'ε̂ without the prompt', formula: 'ε̂_∅ = √(1 − ᾱ_t) · x_t + √ᾱ_t · v̂_∅', text: 'The noise the model sees in x_t when it is told nothing: it pulls toward any plausible emoji.' };
    case 'eps-cond':
      return { title: 'ε̂ with the prompt', formula: 'ε̂_c = √(1 − ᾱ_t) · x_t + √ᾱ_t · v̂_c', text: 'The noise the model sees in x_t when it reads your prompt.' };
    case 'eps-diff':
      return { title: 'What the prompt changes', formula: 'Δ = ε̂_c − ε̂_∅', text: 'The direction guidance pushes: the part of the noise estimate that comes from the text alone. It is small, so it is shown amplified.' };
    case 'eps-guided':
      return { title: 'Guided ε̂', formula: `ε̂ = ε̂_∅ + w · (ε̂_c − ε̂_∅),  w = ${w}`, text: 'Classifier-free guidance: start from the unconditional estimate and move w times along the prompt’s direction. w = 1 is the plain conditional model; larger w follows the text more closely, at the cost of variety.' };
    case 'x0':
      return { title: 'x̂₀, the guess of the clean image', formula: 'x̂₀ = clip((x_t − √(1 − ᾱ_t) · ε̂) / √ᾱ_t, −1, 1)', text: 'Remove all the estimated noise at once and you get the model’s current guess of the finished image. The sampler keeps it inside the pixel range and re-derives ε̂ from the clipped guess.' };
    case 'sampler':
      return { title: 'Sampler update', formula: SAMPLER_FORMULA[sampler], text: 'The sampler does not jump to x̂₀: it moves a little toward it, to the next, less noisy timestep, keeping the amount of noise the schedule says belongs there.' };
    case 'noise':
      return { title: 'Fresh noise z', formula: 'z ~ N(0, I), drawn from the run’s seeded generator', text: 'Stochastic samplers (DDPM, Euler a, DDIM with eta > 0) add a little new noise at every step; deterministic ones (DDIM, DPM++ 2M) add none.' };
    case 'prev':
      return { title: 'x_{t−1}, the next sample', formula: 'x_{t−1} = sampler(x_t, x̂₀, ε̂, z)', text: 'The input of the next step. After the last step it is the finished image.' };
    case 'removed':
      return { title: 'What this step removes', formula: 'x_t − x_{t−1}', text: 'The change this one step makes. Early on it is mostly noise being taken away; later it sharpens the details. Shown amplified.' };
  }
}
