/**
 * How the model learned: one term of its training loss, live. Pick an image, a timestep t and a seed;
 * the page draws ε from the seeded generator, forms x_t = √ᾱ_t x0 + √(1 − ᾱ_t) ε, asks the worker's
 * U-Net for v̂ and shows ε, ε̂ (from v̂), their difference and the loss term the model was trained on
 * (train.py: mean((v̂ − v)²), unweighted). "Sweep" plots that term against t, with and without the prompt.
 */
import { useEffect, useMemo, useState } from 'react';
import { requestPrediction } from '../app/worker-link.ts';
import { isAbortError } from '../pipeline/models.ts';
import { qSample } from '../diffusion/q-sample.ts';
import { createRng } from '../diffusion/rng.ts';
import { alphaBar } from '../diffusion/schedule.ts';
import { lossTerm, sweepTimesteps } from '../diffusion/training-loss.ts';
import { useStore, type StoreState } from '../state/store.ts';
import { ChwCanvas } from './chw-canvas.tsx';
import { loadSample } from './load-sample.ts';
import { NumberField } from './number-field.tsx';
import { SliderField } from './slider-field.tsx';
import { SweepChart } from './sweep-chart.tsx';
import { useLossTerm } from './use-loss-term.ts';
import './inside.css';

type Source = { kind: 'sample'; index: number } | { kind: 'generated' } | { kind: 'upload' };

const finishedImage = (s: StoreState): Float32Array | null => {
  const last = s.generationStatus === 'done' ? s.frames.at(-1) : undefined;
  return last ? (last.final ?? last.x0) : null;
};

export function TrainingView() {
  const manifest = useStore((s) => s.manifest);
  const ready = useStore((s) => s.loadStatus === 'ready');
  // The finished run's image only: selecting `frames` would re-render this view on every step.
  const generated = useStore(finishedImage);
  const generationPrompt = useStore((s) => s.generationParams?.prompt ?? '');
  const upload = useStore((s) => s.forwardUpload);
  const [source, setSource] = useState<Source>({ kind: 'sample', index: 0 });
  const [t, setT] = useState(500);
  const [seed, setSeed] = useState(7);
  const [prompt, setPrompt] = useState<string | null>(null); // null: the image's own caption
  const [sampleX0, setSampleX0] = useState<Float32Array | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sweep, setSweep] = useState<{ x0: Float32Array; seed: number; text: string; ts: number[]; cond: number[]; uncond: number[] } | null>(null);
  const [sweeping, setSweeping] = useState(false);

  const samples = manifest?.samples ?? [];
  const T = manifest?.schedule.num_train_timesteps ?? 1000;
  const R = manifest?.resolution ?? 64;
  // An uploaded image has no caption: the person types one (empty = unconditional).
  const caption = source.kind === 'sample' ? (samples[source.index]?.caption ?? '') : source.kind === 'upload' ? '' : generationPrompt;
  const text = prompt ?? caption;

  useEffect(() => {
    if (source.kind !== 'sample' || !samples[source.index]) return;
    let live = true;
    loadSample(samples[source.index], R).then(
      (x) => live && setSampleX0(x),
      () => live && setError(`${samples[source.index].file}: could not load the sample image`),
    );
    return () => {
      live = false;
    };
  }, [source, samples, R]);

  const x0 = source.kind === 'sample' ? sampleX0 : source.kind === 'upload' ? (upload?.image ?? null) : generated;
  const eps = useMemo(() => createRng(seed).normals(3 * R * R), [seed, R]);
  const ab = manifest ? alphaBar(manifest.schedule, t) : 1;
  const xt = useMemo(() => (manifest && x0 ? qSample(manifest.schedule, x0, t, eps) : null), [manifest, x0, t, eps]);

  const { term, ms: termMs, busy, error: termError } = useLossTerm({ enabled: ready, x0, eps, xt, t, ab, text });

  async function runSweep() {
    if (!manifest || !x0) return;
    const ts = sweepTimesteps(T);
    const size = x0.length;
    const sample = new Float32Array(2 * ts.length * size); // [2 * n, C, H, W]: n with the prompt, then n without
    ts.forEach((tt, i) => {
      const x = qSample(manifest.schedule, x0, tt, eps);
      sample.set(x, i * size);
      sample.set(x, (ts.length + i) * size);
    });
    const timestep = Float32Array.from([...ts, ...ts]);
    const prompts = [...ts.map(() => text), ...ts.map(() => '')];
    setSweeping(true);
    try {
      const { v } = await requestPrediction({ sample, timestep, prompts });
      const mse = (row: number) => {
        const tt = timestep[row];
        const a = alphaBar(manifest.schedule, tt);
        return lossTerm(a, x0, eps, qSample(manifest.schedule, x0, tt, eps), v.subarray(row * size, (row + 1) * size)).mseV;
      };
      setSweep({ x0, seed, text, ts, cond: ts.map((_, i) => mse(i)), uncond: ts.map((_, i) => mse(ts.length + i)) });
      setError(null);
    } catch (e) {
      setError(isAbortError(e) ? 'The sweep was interrupted by a newer request; press Sweep again.' : (e as Error).message);
    } finally {
      setSweeping(false);
    }
  }

  const sweepShown = sweep && sweep.x0 === x0 && sweep.seed === seed && sweep.text === text ? sweep : null;
  const value = source.kind === 'sample' ? String(source.index) : source.kind;
  return (
    <section className="card training-view" aria-label="Training objective" data-testid="training-view">
      <div className="view-head">
        <h2>How it learned: the training objective, live</h2>
      </div>
      <p className="explain">
        Training shows the model a clean image drowned in known noise and asks it to say what it sees. This model predicts v = √ᾱ<sub>t</sub> ε −
        √(1 − ᾱ<sub>t</sub>) x<sub>0</sub>, and its loss (training/train.py) is the plain mean of (v̂ − v)² over every pixel, at a t drawn
        uniformly from 0…{T - 1}. Here is one term of that loss, computed live.
      </p>
      <div className="training-controls">
        <div className="field">
          <label htmlFor="training-image">Training image</label>
          <select
            id="training-image"
            value={value}
            onChange={(e) => {
              setPrompt(null);
              const v = e.target.value;
              setSource(v === 'generated' || v === 'upload' ? { kind: v } : { kind: 'sample', index: Number(v) });
            }}
          >
            {samples.map((s, i) => (
              <option key={s.file} value={i}>
                Sample: {s.caption}
              </option>
            ))}
            <option value="generated" disabled={!generated}>
              The image just generated
            </option>
            {upload && <option value="upload">Your image: {upload.name}</option>}
          </select>
        </div>
        <div className="field">
          <label htmlFor="training-prompt">Caption</label>
          <input id="training-prompt" type="text" value={text} onChange={(e) => setPrompt(e.target.value)} />
        </div>
        <SliderField id="training-t" label="t (noise level)" value={t} min={0} max={T - 1} step={1} onChange={setT} />
        <NumberField label="Noise seed" value={seed} min={0} max={0xffffffff} onCommit={setSeed} />
        <button
          type="button"
          className="secondary"
          onClick={() => {
            const s = useStore.getState();
            setSource(s.forwardSource.kind === 'sample' ? { kind: 'sample', index: s.forwardSource.index } : { kind: s.forwardSource.kind });
            setT(s.forwardT);
            setSeed(s.settings.seed);
            setPrompt(null);
          }}
        >
          Use the forward panel’s image, t and seed
        </button>
      </div>
      <div className="training-grid">
        <figure>
          <ChwCanvas chw={x0} label="clean image x0" />
          <figcaption>
            <b>x₀</b> the clean image, [−1, 1]
          </figcaption>
        </figure>
        <figure>
          <ChwCanvas chw={eps} gain={0.5} label="the drawn noise" />
          <figcaption>
            <b>ε</b> the noise drawn (seed {seed}), ±2σ
          </figcaption>
        </figure>
        <figure>
          <ChwCanvas chw={xt} label="noised image x_t" />
          <figcaption>
            <b>x_t</b> = √ᾱ x₀ + √(1−ᾱ) ε, ᾱ<sub>t</sub> = {ab.toFixed(4)}
          </figcaption>
        </figure>
        <figure>
          <ChwCanvas chw={term?.epsHat ?? null} gain={0.5} label="the model's noise estimate" testId="training-eps-hat" />
          <figcaption>
            <b>ε̂</b> the model’s estimate, from its v̂, ±2σ
          </figcaption>
        </figure>
        <figure>
          <ChwCanvas chw={term?.epsError ?? null} gain={0.5} label="error of the noise estimate" />
          <figcaption>
            <b>ε̂ − ε</b> its error, same ±2σ scale as ε
          </figcaption>
        </figure>
      </div>
      <div className="loss-readout" aria-live="polite">
        <span>
          Loss term (v-MSE, what training minimised):{' '}
          <b data-testid="mse-v" data-value={term?.mseV ?? ''}>
            {term ? term.mseV.toFixed(6) : busy ? '…' : '–'}
          </b>
        </span>
        <span>
          Same in noise units, ε-MSE = ᾱ<sub>t</sub> × v-MSE:{' '}
          <b data-testid="mse-eps" data-value={term?.mseEps ?? ''}>
            {term ? term.mseEps.toFixed(6) : '–'}
          </b>
        </span>
        {term && termMs !== null && <span className="quiet">(this U-Net call: {Math.round(termMs)} ms)</span>}
      </div>
      <p>
        <button type="button" className="secondary" onClick={() => void runSweep()} disabled={!ready || !x0 || sweeping}>
          {sweeping ? 'Sweeping…' : 'Sweep t (24 points, with and without the prompt)'}
        </button>
      </p>
      {sweepShown && (
        <figure className="sweep">
          <SweepChart
            ts={sweepShown.ts}
            T={T}
            current={t}
            series={[
              { key: 'cond', label: 'with the prompt', values: sweepShown.cond },
              { key: 'uncond', label: 'without', values: sweepShown.uncond },
            ]}
          />
          <figcaption>
            v-MSE against t for this image and seed: <span className="legend-cond">● with “{text}”</span>,{' '}
            <span className="legend-uncond">● without a prompt</span>; the dashed line is the t above. Near t = 0 the
            target v is almost the noise itself, faint in a nearly clean image; near t = {T - 1} it is almost −x₀, the picture itself, which
            only the caption can tell: there the curves part.
          </figcaption>
        </figure>
      )}
      {!ready && <p className="hint">The training view runs the model once it has loaded.</p>}
      {(error ?? termError) && <p className="hint error-text">{error ?? termError}</p>}
    </section>
  );
}
