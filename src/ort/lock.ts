/** One onnxruntime call at a time: sessions must not run concurrently (a replaced generation may still be inside a call). */

/** Runs async functions one after another, each once the previous one has settled. */
export type Lock = <T>(fn: () => Promise<T>) => Promise<T>;

/** A fresh queue (see Lock). */
export function serialised(): Lock {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const result = tail.then(fn);
    tail = result.catch(() => undefined);
    return result;
  };
}
