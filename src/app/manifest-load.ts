/**
 * The page's own copy of the manifest: the panels need samples, schedule and licences even when the
 * models fail, and the model's defaults fill the settings that neither the link nor the person set.
 */
import { fetchManifestJson, openModelCache } from '../model/model-files.ts';
import { parseManifest } from '../model/manifest.ts';
import type { UrlKey, UrlState } from '../settings/fields.ts';
import { applyUrlState, selectUrlState, useStore } from '../state/store.ts';
import { modelBase } from './paths.ts';
import { workerLink } from './worker-link.ts';

/** What the opening link set, and the settings then. */
export interface Opening {
  present: UrlKey[];
  state: UrlState;
}

/**
 * Loads manifest.json (the last good copy from Cache Storage when the network is down), applies its
 * defaults to whatever neither `opening` nor the person since has set, and checks a painted mask from
 * the link against the model's size. Resolves true once done, false when it could not load.
 */
export async function loadManifest(opening: Opening): Promise<boolean> {
  try {
    const manifest = parseManifest(await fetchManifestJson(modelBase, await openModelCache()));
    useStore.getState().setManifest(manifest);
    // A load already under way learns which files it must download (for the stall watchdog).
    workerLink.port?.expectFiles([manifest.text_encoder.file, manifest.unet.file]);
    const d = manifest.defaults;
    const defaults: Partial<UrlState> = { prompt: d.prompt, seed: d.seed, steps: d.steps, guidance: d.guidance };
    const now = selectUrlState(useStore.getState());
    const untouched = (k: UrlKey) => !opening.present.includes(k) && now[k] === opening.state[k];
    applyUrlState(Object.fromEntries(Object.entries(defaults).filter(([k]) => untouched(k as UrlKey))));
    const misfit = useStore.getState().fitPaintedMask(manifest.resolution);
    if (misfit) useStore.getState().setUrlProblems([...useStore.getState().urlProblems, misfit]);
    return true;
  } catch (err) {
    useStore.getState().failLoading(err instanceof Error ? err.message : String(err));
    return false;
  }
}
