/** How a run's settings read on the page: one wording for the reverse view's settings line and the history strip. */
import { samplerInfo } from '../diffusion/sampler.ts';
import type { RunSettings } from '../settings/fields.ts';

/** e.g. "DPM++ 2M Karras", "DDIM eta 0.5". */
export function samplerLabel(p: RunSettings): string {
  const base = samplerInfo(p.sampler).label + (p.spacing === 'karras' ? ' Karras' : '');
  return p.sampler === 'ddim' && p.eta > 0 ? `${base} eta ${p.eta}` : base;
}

/** How the run started, "" from noise: e.g. "img2img strength 0.6", "inpaint keeping the painted mask". */
export function startLabel(p: RunSettings): string {
  if (p.start === 'img2img') return `img2img strength ${p.strength}`;
  if (p.start === 'inpaint') return p.keep === 'mask' ? 'inpaint keeping the painted mask' : `inpaint keeping the ${p.keep} half`;
  return '';
}
