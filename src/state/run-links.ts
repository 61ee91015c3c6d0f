/**
 * A run's settings as a link's values and back: what links, exported PNGs, the history store and a
 * link's source run (src=run) use, so one serialiser (url-state) describes a run everywhere.
 */
import { supportsSpacing } from '../diffusion/sampler.ts';
import { defaultUrlState, pick, RUN_KEYS, runSettings, type RunSettings, type UrlState } from '../settings/fields.ts';

/**
 * The settings a run is sent with: eta only for DDIM (the form keeps it while another sampler is chosen)
 * and the painted mask only when inpainting keeps it.
 */
export function runOf(settings: RunSettings): RunSettings {
  return { ...settings, eta: settings.sampler === 'ddim' ? settings.eta : 0, mask: settings.keep === 'mask' ? settings.mask : '' };
}

/** The values of a run's settings in a link over `base` (the forward panel's t and the rest are `base`'s). */
export function urlStateOfRun(params: RunSettings, base: UrlState = defaultUrlState()): UrlState {
  return { ...base, ...params, mask: params.keep === 'mask' ? params.mask : '' };
}

/** A run's settings back from a link's values. */
export function runOfUrlState(v: UrlState): RunSettings {
  return { ...pick(v, RUN_KEYS), mask: v.keep === 'mask' ? v.mask : '' };
}

/** The settings a link's source run (src=run) carries: the src_* fields are these fields' names with the prefix. */
const SOURCE_KEYS = ['prompt', 'seed', 'steps', 'guidance', 'sampler', 'spacing', 'eta', 'rescale', 'negative'] as const;
type SourceKey = (typeof SOURCE_KEYS)[number];
type SourceFields = { [K in SourceKey as `src_${K}`]: RunSettings[K] };

/** The src_* values of a source run. */
export function sourceFieldsOf(run: RunSettings): SourceFields {
  return Object.fromEntries(SOURCE_KEYS.map((k) => [`src_${k}`, run[k]])) as SourceFields;
}

/**
 * The settings of a link's source run (src=run): the src_* fields, always from noise. Karras spacing
 * with a sampler that cannot use it falls back to trailing, as for the main settings.
 */
export function sourceRunOf(v: UrlState): RunSettings {
  const own = Object.fromEntries(SOURCE_KEYS.map((k) => [k, v[`src_${k}`]])) as Pick<RunSettings, SourceKey>;
  return runSettings({
    ...own,
    spacing: supportsSpacing(own.sampler, own.spacing) ? own.spacing : 'trailing',
    eta: own.sampler === 'ddim' ? own.eta : 0,
    start: 'noise',
    strength: v.strength,
    keep: v.keep,
  });
}
