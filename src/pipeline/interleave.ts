/**
 * Round-robin over several async streams: one item from each live stream in turn, so two generations
 * sharing the worker both advance a step at a time (B never waits for A to finish, nor A for B). A
 * stream that ends drops out; the others go on. With one stream this is that stream, item for item.
 */

/** An item of `interleave`'s output: which stream (its index in the input) gave `value`. */
export interface Interleaved<T> {
  lane: number;
  value: T;
}

/**
 * Yields `{ lane, value }` taking one item from stream 0, then 1, ..., then 0 again, skipping streams
 * that have ended. Pulls lazily: the next item of a stream is asked for only when its turn comes, so
 * the streams' work (U-Net calls) alternates too. Returning early (break) returns every stream.
 */
export async function* interleave<T>(streams: AsyncIterable<T>[]): AsyncGenerator<Interleaved<T>> {
  const iterators = streams.map((s) => s[Symbol.asyncIterator]());
  const live = iterators.map((_, i) => i);
  try {
    while (live.length > 0) {
      for (let k = 0; k < live.length; ) {
        const lane = live[k];
        const next = await iterators[lane].next();
        if (next.done) {
          live.splice(k, 1);
          continue;
        }
        yield { lane, value: next.value };
        k++;
      }
    }
  } finally {
    // An early exit (the consumer broke off, or one stream threw): let the others clean up.
    await Promise.all(live.map((lane) => iterators[lane].return?.()));
  }
}
