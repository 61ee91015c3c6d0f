/**
 * Take a finished run away: the final image as PNG (64 px, and 512 px scaled up by nearest neighbour)
 * with the run's settings in its text chunks, the whole trajectory as an animated GIF (x_t | x̂0 per
 * step), and a link that reproduces the run. The encoders load on first use, not with the page.
 */
import { useState } from 'react';
import { chwToRgba } from '../diffusion/image.ts';
import type { RunSettings } from '../settings/fields.ts';
import type { Frame } from '../state/generation-slice.ts';
import { urlStateOfRun } from '../state/run-links.ts';
import { selectUrlState, useStore } from '../state/store.ts';
import { serializeUrlState } from '../state/url-state.ts';

/** Upscale factor of the large PNG: 64 px -> 512 px. */
const LARGE_SCALE = 8;

/** The page link that reruns `params` (the run's own settings, not whatever the form holds now). */
export function runLink(params: RunSettings): string {
  const hash = serializeUrlState(urlStateOfRun(params, selectUrlState(useStore.getState())));
  return `${location.origin}${location.pathname}${location.search}#${hash}`;
}

/** What the page shows as the step's clean image: the finished image on the last step. */
const shownX0 = (f: Frame) => f.final ?? f.x0;

function download(bytes: Uint8Array, name: string, type: string) {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file name from the prompt and seed, e.g. "cat-face-seed1". */
function baseName(params: RunSettings): string {
  const words = params.prompt.toLowerCase().match(/[a-z0-9]+/g)?.slice(0, 6).join('-') || 'unconditional';
  return `${words}-seed${params.seed}`;
}

export function ExportBar() {
  const status = useStore((s) => s.generationStatus);
  const params = useStore((s) => s.generationParams);
  const [message, setMessage] = useState('');
  // Always laid out (disabled until a run is done), so finishing a run does not move the page.
  const ready = status === 'done' && params !== null;

  const run = async (what: string, work: () => Promise<void>) => {
    try {
      await work();
      setMessage(what);
    } catch (err) {
      setMessage(`Could not ${what.toLowerCase()}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const png = (scale: number) =>
    params &&
    run(`Saved the ${64 * scale} px PNG`, async () => {
      const s = useStore.getState();
      const last = s.frames.at(-1);
      if (!last) throw new Error('no frames');
      const side = Math.round(Math.sqrt(last.x0.length / 3));
      const { encodeImagePng, settingsText } = await import('../export/png-file.ts');
      const text = settingsText({ ...params, model: s.manifest?.name, link: runLink(params) });
      download(encodeImagePng(chwToRgba(shownX0(last), side, side), side, side, { scale, text }), `${baseName(params)}-${side * scale}px.png`, 'image/png');
    });

  const gif = () =>
    params &&
    run('Saved the GIF', async () => {
      const frames = useStore.getState().frames;
      const side = Math.round(Math.sqrt(frames[0].x0.length / 3));
      const { encodeTrajectoryGif } = await import('../export/trajectory-gif.ts');
      const bytes = encodeTrajectoryGif(frames.map((f) => ({ xt: f.xt, x0: shownX0(f) })), side);
      download(bytes, `${baseName(params)}-steps.gif`, 'image/gif');
    });

  const copy = () =>
    params &&
    run('Copied the link', async () => {
      const link = runLink(params);
      if (!navigator.clipboard) throw new Error(`the clipboard is not available here; the link is ${link}`);
      await navigator.clipboard.writeText(link);
    });

  return (
    <div className="export-bar" role="group" aria-label="Export this run">
      <button type="button" className="secondary" disabled={!ready} onClick={() => png(1)}>
        PNG 64 px
      </button>
      <button type="button" className="secondary" disabled={!ready} onClick={() => png(LARGE_SCALE)}>
        PNG 512 px
      </button>
      <button type="button" className="secondary" disabled={!ready} onClick={gif}>
        GIF of the steps
      </button>
      <button type="button" className="secondary" disabled={!ready} onClick={copy}>
        Copy link
      </button>
      <span className="export-message" role="status" data-testid="export-message">
        {message}
      </span>
    </div>
  );
}
