/**
 * The settings beside the prompt: negative prompt, seed, steps, sampler (+ DDIM's eta), guidance and its
 * rescale, and the start point (noise, img2img from the forward panel's image, or inpainting half of
 * it), with hints for odd input.
 */
import { img2imgSteps } from '../diffusion/img2img.ts';
import { SAMPLERS, type SamplerName } from '../diffusion/sampler.ts';
import type { Spacing } from '../diffusion/spacing.ts';
import { KEEP_CHOICES, START_MODES, type KeepChoice, type RunSettings, type StartMode } from '../settings/fields.ts';
import { useStore } from '../state/store.ts';
import { NumberField } from './number-field.tsx';
import { plural } from './plural.ts';
import { SliderField } from './slider-field.tsx';

/** One entry of the Sampler select per sampler and spacing it supports, e.g. "DPM++ 2M Karras". */
const SAMPLER_CHOICES = SAMPLERS.flatMap((s) =>
  s.spacings.map((spacing) => ({
    value: `${s.name}|${spacing}`,
    label: spacing === 'karras' ? `${s.label} Karras` : s.label,
    sampler: s.name,
    spacing,
  })),
);

const SAMPLER_HINTS: Record<SamplerName, string> = {
  ddim: 'Deterministic for eta 0: the same seed gives the same image at any step count.',
  ddpm: 'Adds fresh noise every step (seeded); needs more steps.',
  'euler-a': 'Adds fresh noise every step (seeded); loose, varied results.',
  'dpmpp-2m': 'Second-order and deterministic: good images in few steps.',
};

const START_LABELS: Record<StartMode, string> = { noise: 'Noise', img2img: 'Image (img2img)', inpaint: 'Inpaint' };
const KEEP_LABELS: Record<KeepChoice, string> = { left: 'Left half', right: 'Right half', top: 'Top half', bottom: 'Bottom half', mask: 'Painted mask' };

function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

const update = (change: Partial<RunSettings>) => useStore.getState().updateSettings(change);

export function SettingsPanel() {
  const seed = useStore((s) => s.settings.seed);
  const steps = useStore((s) => s.settings.steps);
  const guidance = useStore((s) => s.settings.guidance);
  const negative = useStore((s) => s.settings.negative);
  const sampler = useStore((s) => s.settings.sampler);
  const spacing = useStore((s) => s.settings.spacing);
  const eta = useStore((s) => s.settings.eta);
  const rescale = useStore((s) => s.settings.rescale);
  const start = useStore((s) => s.settings.start);
  const strength = useStore((s) => s.settings.strength);
  const keep = useStore((s) => s.settings.keep);

  return (
    <section className="card settings-panel" aria-label="Generation settings">
      <h2>Settings</h2>
      <div className="field">
        <label htmlFor="negative-prompt">Negative prompt</label>
        <input
          id="negative-prompt"
          type="text"
          maxLength={500}
          value={negative}
          placeholder="what to steer away from, e.g. dark, blurry"
          onChange={(e) => update({ negative: e.target.value })}
        />
        {negative.trim() !== '' && guidance === 1 && (
          <p className="hint" data-testid="negative-hint">
            Guidance 1 has no unconditional branch, so the negative prompt is unused.
          </p>
        )}
      </div>

      <NumberField label="Seed" value={seed} min={0} max={4294967295} onCommit={(v) => update({ seed: v })}>
        <button type="button" className="secondary" onClick={() => update({ seed: randomSeed() })}>
          Random
        </button>
      </NumberField>

      <NumberField label="Steps" value={steps} min={1} max={100} onCommit={(v) => update({ steps: v })} />

      <div className="field">
        <label htmlFor="sampler">Sampler</label>
        <select
          id="sampler"
          value={`${sampler}|${spacing}`}
          onChange={(e) => {
            const choice = SAMPLER_CHOICES.find((c) => c.value === e.target.value);
            if (!choice) return;
            update({ sampler: choice.sampler, spacing: choice.spacing as Spacing });
          }}
        >
          {SAMPLER_CHOICES.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
        <p className="hint quiet">
          {SAMPLER_HINTS[sampler]}
          {spacing === 'karras' && ' Karras spacing takes smaller steps near the end.'}
        </p>
      </div>

      {sampler === 'ddim' && (
        <SliderField id="eta" label="Eta" value={eta} min={0} max={1} step={0.05} onChange={(v) => update({ eta: v })}>
          <p className="hint quiet">0 is deterministic DDIM; 1 adds as much fresh noise per step as DDPM.</p>
        </SliderField>
      )}

      <SliderField id="guidance" label="Guidance" value={guidance} min={0} max={20} step={0.5} onChange={(v) => update({ guidance: v })}>
        <p className="hint quiet">
          {guidance === 0
            ? '0 ignores the prompt.'
            : guidance === 1
              ? '1 follows the prompt without extra push.'
              : 'How hard each step is pushed towards the prompt.'}
        </p>
      </SliderField>

      <SliderField id="rescale" label="Guidance rescale" value={rescale} min={0} max={1} step={0.05} onChange={(v) => update({ rescale: v })}>
        <p className="hint quiet">
          {rescale === 0
            ? '0 is off. Higher values tame the harsh colours of strong guidance.'
            : 'Shrinks the guided image estimate’s spread back towards the prompt-only one.'}
        </p>
      </SliderField>

      <div className="field">
        <label htmlFor="start-from">Start from</label>
        <select id="start-from" value={start} onChange={(e) => update({ start: e.target.value as StartMode })}>
          {START_MODES.map((m) => (
            <option key={m} value={m}>
              {START_LABELS[m]}
            </option>
          ))}
        </select>
        {start !== 'noise' && (
          <p className="hint quiet">
            {start === 'img2img'
              ? 'Starts from the forward process panel’s image, noised part of the way, and runs only the last steps.'
              : 'Keeps part of the forward process panel’s image (a half, or the mask painted on it with Paint mask) and draws the rest to match.'}
          </p>
        )}
      </div>

      {start === 'img2img' && (
        <SliderField id="strength" label="Strength" value={strength} min={0.05} max={1} step={0.05} onChange={(v) => update({ strength: v })}>
          <p className="hint quiet">
            Runs {img2imgSteps(steps, strength)} of the {plural(steps, 'step')}; 1 starts from nearly pure noise.
          </p>
        </SliderField>
      )}

      {start === 'inpaint' && (
        <div className="field">
          <label htmlFor="keep-half">Keep</label>
          <select id="keep-half" value={keep} onChange={(e) => update({ keep: e.target.value as KeepChoice })}>
            {KEEP_CHOICES.map((h) => (
              <option key={h} value={h}>
                {KEEP_LABELS[h]}
              </option>
            ))}
          </select>
        </div>
      )}

    </section>
  );
}
