/**
 * The forward process q(x_t | x_0): a clean image (a manifest sample or a generated image) drowned in
 * noise up to the chosen timestep. The noise comes from the seeded generator with the prompt panel's
 * seed, so scrubbing is stable and t = 999 shows the same x_T a generation starts from. The Timestep
 * slider runs over the schedule chart, and moving it moves the reverse view to the nearest step.
 */
import { useEffect, useMemo, useRef, useState, type ComponentProps } from 'react';
import { qSample } from '../diffusion/q-sample.ts';
import { createRng } from '../diffusion/rng.ts';
import { alphaBar } from '../diffusion/schedule.ts';
import { logSnrOf, samplerTimesteps } from '../diffusion/schedule-curves.ts';
import { shownIndex } from '../state/timeline-slice.ts';
import { useStore } from '../state/store.ts';
import { imageFromFile } from '../media/upload-image.ts';
import { loadSample } from './load-sample.ts';
import { drawChw } from './draw-chw.ts';
import { ForwardNoiseEstimate } from './forward-noise-estimate.tsx';
import { ScheduleChart, type ScheduleView } from './schedule-chart.tsx';
import { MaskEditor } from './mask-editor.tsx';

/** Half the width of the Timestep slider's thumb (styles.css .track-slider), px. */
const THUMB_HALF = 8;

/**
 * The schedule chart with the reverse step on show as its diamond. Its own component: the shown step
 * changes on every step of a run, and only the chart, not the whole panel, should redraw for it.
 */
function ShownStepScheduleChart(props: Omit<ComponentProps<typeof ScheduleChart>, 'stepT'>) {
  const stepT = useStore((s) => s.frames[shownIndex(s)]?.t ?? null);
  return <ScheduleChart {...props} stepT={stepT} />;
}

export function ForwardPanel() {
  const manifest = useStore((s) => s.manifest);
  const t = useStore((s) => s.forwardT);
  const seed = useStore((s) => s.settings.seed);
  const steps = useStore((s) => s.settings.steps);
  const spacing = useStore((s) => s.settings.spacing);
  const source = useStore((s) => s.forwardSource);
  const run = useStore((s) => s.forwardRun);
  const lastResult = useStore((s) => s.lastResult);
  const [view, setView] = useState<ScheduleView>('scales');
  const [painting, setPainting] = useState(false);
  const [sampleX0, setSampleX0] = useState<Float32Array | null>(null);
  const [sampleError, setSampleError] = useState<string | null>(null);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const upload = useStore((s) => s.forwardUpload);
  const x0Ref = useRef<HTMLCanvasElement>(null);
  const xtRef = useRef<HTMLCanvasElement>(null);

  const resolution = manifest?.resolution ?? 64;
  const samples = manifest?.samples ?? [];
  const T = manifest?.schedule.num_train_timesteps ?? 1000;

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

  const x0 = source.kind === 'generated' ? (run?.image ?? null) : source.kind === 'upload' ? (upload?.image ?? null) : sampleX0;
  const onUpload = async (file: File | undefined) => {
    if (!file) return;
    setUploadError(null);
    try {
      useStore.getState().setForwardUpload({ name: file.name, image: await imageFromFile(file, resolution) });
    } catch (err) {
      setUploadError(err instanceof Error ? err.message : String(err));
    }
  };
  // img2img and inpainting start from this image: the store holds it for the controller.
  useEffect(() => {
    useStore.getState().setForwardImage(x0);
  }, [x0]);
  const noise = useMemo(() => createRng(seed).normals(3 * resolution * resolution), [seed, resolution]);
  const tClamped = Math.min(t, T - 1);
  const ab = manifest ? alphaBar(manifest.schedule, tClamped) : null;
  const ticks = useMemo(() => (manifest ? samplerTimesteps(manifest.schedule, Math.min(steps, T), spacing) : []), [manifest, steps, spacing, T]);

  const xt = useMemo(() => (manifest && x0 && x0.length === noise.length ? qSample(manifest.schedule, x0, tClamped, noise) : null), [manifest, x0, noise, tClamped]);
  useEffect(() => {
    if (!x0 || !xt) return;
    drawChw(x0Ref.current!, x0);
    drawChw(xtRef.current!, xt);
  }, [x0, xt]);
  const caption = source.kind === 'sample' ? (samples[source.index]?.caption ?? '') : source.kind === 'generated' ? (run?.params.prompt ?? '') : '';

  const value = source.kind === 'sample' ? String(source.index) : source.kind;
  const newer = source.kind === 'generated' && lastResult && run?.image && lastResult.image !== run.image;
  const valueText = `t = ${tClamped} of ${T - 1}${ab === null ? '' : `, signal ${Math.sqrt(ab).toFixed(2)}, noise ${Math.sqrt(1 - ab).toFixed(2)}`}`;
  return (
    <section className="forward-panel" aria-label="Forward process">
      <div className="view-head">
        <h2>Forward process: image → noise</h2>
        <div className="field inline">
          <label htmlFor="forward-source">Image</label>
          <select
            id="forward-source"
            value={value}
            onChange={(e) => {
              const v = e.target.value;
              useStore.getState().setForwardSource(v === 'generated' || v === 'upload' ? { kind: v } : { kind: 'sample', index: Number(v) });
            }}
          >
            {samples.map((s, i) => (
              <option key={s.file} value={i}>
                Sample: {s.caption}
              </option>
            ))}
            <option value="generated" disabled={!lastResult && !run}>
              The image just generated
            </option>
            {upload && <option value="upload">Your image: {upload.name}</option>}
          </select>
          <label className="button-like secondary small upload-button">
            Upload…
            <input
              type="file"
              accept="image/png,image/jpeg,image/webp"
              data-testid="upload-input"
              onChange={(e) => {
                void onUpload(e.target.files?.[0]);
                e.target.value = '';
              }}
            />
          </label>
          {newer && (
            <button type="button" className="secondary small" onClick={() => useStore.getState().setForwardSource({ kind: 'generated' })}>
              Use the newest
            </button>
          )}
        </div>
      </div>
      <p className="explain">
        Training teaches the model to undo this: x<sub>t</sub> = √ᾱ<sub>t</sub> · x<sub>0</sub> + √(1 − ᾱ<sub>t</sub>) · noise.
        Drag the timestep and watch the signal fade; the reverse process follows to its nearest step.
      </p>
      <div className={painting ? 'forward-body painting' : 'forward-body'}>
        <figure>
          <MaskEditor side={resolution} editing={painting} onEditingChange={setPainting}>
            <canvas ref={x0Ref} data-testid="forward-x0" role="img" aria-label="clean image" width={resolution} height={resolution} />
          </MaskEditor>
          <figcaption>
            <b>x<sub>0</sub></b>{' '}
            {source.kind === 'generated'
              ? run?.image
                ? 'the generated image.'
                : 'rebuilding the linked image…'
              : source.kind === 'upload'
                ? 'your image, centre-cropped to a square and resized to the model’s resolution; it stays on your device (links do not carry it).'
                : 'the clean image.'}
            {source.kind === 'sample' && samples[source.index]?.source && (
              <span className="credit" data-testid="sample-credit">
                {' '}
                {samples[source.index].source}
              </span>
            )}
            {source.kind === 'generated' && run && run.params.start !== 'noise' && (
              <span className="credit">It came from an {run.params.start} run: a link rebuilds only images generated from noise.</span>
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
          <div className="field">
            <label htmlFor="timestep">
              Timestep <output htmlFor="timestep">{tClamped}</output>
            </label>
            {manifest ? (
              <div className="schedule-track">
                <ShownStepScheduleChart schedule={manifest.schedule} view={view} t={tClamped} ticks={ticks} inset={THUMB_HALF} height={120} />
                <input
                  id="timestep"
                  className="track-slider"
                  type="range"
                  min={0}
                  max={T - 1}
                  step={1}
                  value={tClamped}
                  aria-valuetext={valueText}
                  onChange={(e) => useStore.getState().scrubForwardT(e.target.valueAsNumber)}
                />
              </div>
            ) : (
              <input id="timestep" type="range" min={0} max={T - 1} value={tClamped} disabled aria-valuetext={`t = ${tClamped}`} readOnly />
            )}
          </div>
          <div className="chart-legend" role="group" aria-label="Schedule chart view">
            <button type="button" className="toggle" aria-pressed={view === 'scales'} onClick={() => setView('scales')}>
              Signal and noise
            </button>
            <button type="button" className="toggle" aria-pressed={view === 'logsnr'} onClick={() => setView('logsnr')}>
              log-SNR
            </button>
          </div>
          <dl className="readout" data-testid="forward-readout">
            {view === 'scales' ? (
              <>
                <dt>
                  <i className="swatch curve-alpha-bar" />ᾱ<sub>t</sub>
                </dt>
                <dd data-testid="alpha-bar">{ab === null ? '–' : ab.toFixed(4)}</dd>
                <dt>
                  <i className="swatch curve-signal" />
                  signal √ᾱ<sub>t</sub>
                </dt>
                <dd>{ab === null ? '–' : Math.sqrt(ab).toFixed(3)}</dd>
                <dt>
                  <i className="swatch curve-noise" />
                  noise √(1 − ᾱ<sub>t</sub>)
                </dt>
                <dd>{ab === null ? '–' : Math.sqrt(1 - ab).toFixed(3)}</dd>
              </>
            ) : (
              <>
                <dt>
                  <i className="swatch curve-logsnr" />
                  log-SNR log(ᾱ<sub>t</sub> / (1 − ᾱ<sub>t</sub>))
                </dt>
                <dd data-testid="log-snr">{ab === null ? '–' : logSnrOf(ab).toFixed(2)}</dd>
                <dt>ᾱ<sub>t</sub></dt>
                <dd data-testid="alpha-bar">{ab === null ? '–' : ab.toFixed(4)}</dd>
              </>
            )}
          </dl>
          <p className="hint quiet">
            Ticks: the {ticks.length} timesteps the sampler visits ({spacing} spacing); ◆ the reverse step on show.
          </p>
        </div>
      </div>
      <ForwardNoiseEstimate x0={x0} noise={noise} xt={xt} t={tClamped} ab={ab ?? 1} text={caption} />
      {!manifest && <p className="hint">The forward process needs manifest.json (its noise schedule).</p>}
      {manifest && samples.length === 0 && source.kind === 'sample' && <p className="hint">The model ships no sample images; generate one first.</p>}
      {sampleError && <p className="hint error-text">{sampleError}</p>}
      {uploadError && (
        <p className="hint error-text" role="alert" data-testid="upload-error">
          {uploadError}
        </p>
      )}
    </section>
  );
}
