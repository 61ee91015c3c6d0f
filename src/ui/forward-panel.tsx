/**
 * The forward process q(x_t | x_0): a clean image (a manifest sample or the image just generated)
 * drowned in noise up to the chosen timestep. The noise comes from the seeded generator with the
 * prompt panel's seed, so scrubbing is stable and t = 999 shows the same x_T a generation starts from.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { qSample } from '../diffusion/q-sample.ts';
import { createRng } from '../diffusion/rng.ts';
import { alphaBar } from '../diffusion/schedule.ts';
import { rgbaToChw } from '../diffusion/image.ts';
import { modelBase } from '../controller.ts';
import type { SampleImage } from '../model/manifest.ts';
import { useStore } from '../state/store.ts';
import { loadFile, openModelCache } from '../worker/model-files.ts';
import { drawChw } from './draw-chw.ts';
import { SliderField } from './slider-field.tsx';

/**
 * Loads a sample PNG as [3, R, R] in [-1, 1], resized to the model's resolution. Its bytes are checked
 * against the manifest (size and SHA-256) and cached like the model files, then decoded from a blob URL.
 */
async function loadSample(sample: SampleImage, resolution: number): Promise<Float32Array> {
  const bytes = await loadFile(modelBase, sample, await openModelCache());
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' }));
  const image = new Image();
  image.src = url;
  try {
    await image.decode();
  } catch {
    throw new Error(`${sample.file}: not a readable image`);
  } finally {
    URL.revokeObjectURL(url);
  }
  const canvas = document.createElement('canvas');
  canvas.width = resolution;
  canvas.height = resolution;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  // Transparent emoji backgrounds become white, as in training.
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, resolution, resolution);
  ctx.drawImage(image, 0, 0, resolution, resolution);
  return rgbaToChw(ctx.getImageData(0, 0, resolution, resolution).data, resolution, resolution);
}

export function ForwardPanel() {
  const manifest = useStore((s) => s.manifest);
  const t = useStore((s) => s.forwardT);
  const seed = useStore((s) => s.seed);
  const source = useStore((s) => s.forwardSource);
  const status = useStore((s) => s.generationStatus);
  const [sampleX0, setSampleX0] = useState<Float32Array | null>(null);
  const [sampleError, setSampleError] = useState<string | null>(null);
  const x0Ref = useRef<HTMLCanvasElement>(null);
  const xtRef = useRef<HTMLCanvasElement>(null);

  const resolution = manifest?.resolution ?? 64;
  const samples = manifest?.samples ?? [];
  const T = manifest?.schedule.num_train_timesteps ?? 1000;
  const last = status === 'done' ? useStore.getState().frames.at(-1) : undefined;
  const generated = last ? (last.final ?? last.x0) : undefined;

  useEffect(() => {
    if (source.kind !== 'sample' || !samples[source.index]) return;
    const sample = samples[source.index];
    let live = true;
    setSampleError(null);
    loadSample(sample, resolution).then(
      (x0) => live && setSampleX0(x0),
      (err: unknown) => live && setSampleError(err instanceof Error ? err.message : `${sample.file}: could not load the sample image`),
    );
    return () => {
      live = false;
    };
  }, [source, samples, resolution]);

  const x0 = source.kind === 'generated' ? (generated ?? null) : sampleX0;
  // img2img and inpainting start from this image: the store holds it for the controller.
  useEffect(() => {
    useStore.getState().setForwardImage(x0);
  }, [x0]);
  const noise = useMemo(() => createRng(seed).normals(3 * resolution * resolution), [seed, resolution]);
  const tClamped = Math.min(t, T - 1);
  const ab = manifest ? alphaBar(manifest.schedule, tClamped) : null;

  useEffect(() => {
    if (!manifest || !x0 || x0.length !== noise.length) return;
    drawChw(x0Ref.current!, x0);
    drawChw(xtRef.current!, qSample(manifest.schedule, x0, tClamped, noise));
  }, [manifest, x0, noise, tClamped]);

  const value = source.kind === 'generated' ? 'generated' : String(source.index);
  return (
    <section className="card forward-panel" aria-label="Forward process">
      <div className="view-head">
        <h2>Forward process: image → noise</h2>
        <div className="field inline">
          <label htmlFor="forward-source">Image</label>
          <select
            id="forward-source"
            value={value}
            onChange={(e) =>
              useStore
                .getState()
                .setForwardSource(e.target.value === 'generated' ? { kind: 'generated' } : { kind: 'sample', index: Number(e.target.value) })
            }
          >
            {samples.map((s, i) => (
              <option key={s.file} value={i}>
                Sample: {s.caption}
              </option>
            ))}
            <option value="generated" disabled={!generated}>
              The image just generated
            </option>
          </select>
        </div>
      </div>
      <p className="explain">
        Training teaches the model to undo this: x<sub>t</sub> = √ᾱ<sub>t</sub> · x<sub>0</sub> + √(1 − ᾱ<sub>t</sub>) · noise.
        Drag the timestep and watch the signal fade.
      </p>
      <div className="forward-body">
        <figure>
          <canvas ref={x0Ref} data-testid="forward-x0" role="img" aria-label="clean image" width={resolution} height={resolution} />
          <figcaption>
            <b>x<sub>0</sub></b> the clean image.
            {source.kind === 'sample' && samples[source.index]?.source && (
              <span className="credit" data-testid="sample-credit">
                {' '}
                {samples[source.index].source}
              </span>
            )}
          </figcaption>
        </figure>
        <figure>
          <canvas ref={xtRef} data-testid="forward-xt" role="img" aria-label="x_t, the clean image with noise added" width={resolution} height={resolution} />
          <figcaption>
            <b>x<sub>t</sub></b> the same image after t steps of noising (seed {seed}).
          </figcaption>
        </figure>
        <div className="forward-controls">
          <SliderField id="timestep" label="Timestep" value={tClamped} min={0} max={T - 1} step={1} onChange={(v) => useStore.getState().setForwardT(v)} />
          <dl className="readout" data-testid="forward-readout">
            <dt>ᾱ<sub>t</sub></dt>
            <dd data-testid="alpha-bar">{ab === null ? '–' : ab.toFixed(4)}</dd>
            <dt>signal √ᾱ<sub>t</sub></dt>
            <dd>{ab === null ? '–' : Math.sqrt(ab).toFixed(3)}</dd>
            <dt>noise √(1 − ᾱ<sub>t</sub>)</dt>
            <dd>{ab === null ? '–' : Math.sqrt(1 - ab).toFixed(3)}</dd>
          </dl>
          <div className="meter" aria-hidden="true">
            <span className="meter-signal" style={{ width: `${(ab ?? 1) * 100}%` }} />
          </div>
          <p className="hint quiet">Bar: share of the variance that is still image (ᾱ<sub>t</sub>).</p>
        </div>
      </div>
      {!manifest && <p className="hint">The forward process needs manifest.json (its noise schedule).</p>}
      {manifest && samples.length === 0 && source.kind === 'sample' && <p className="hint">The model ships no sample images; generate one first.</p>}
      {sampleError && <p className="hint error-text">{sampleError}</p>}
    </section>
  );
}
