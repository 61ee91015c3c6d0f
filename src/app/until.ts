/** Waiting on the store. */
import { useStore, type StoreState } from '../state/store.ts';

/** Resolves once `predicate` holds for the store (at once if it already does). */
export function until(predicate: (s: StoreState) => boolean): Promise<StoreState> {
  return new Promise((resolve) => {
    if (predicate(useStore.getState())) return resolve(useStore.getState());
    const stop = useStore.subscribe((s) => {
      if (!predicate(s)) return;
      stop();
      resolve(s);
    });
  });
}
