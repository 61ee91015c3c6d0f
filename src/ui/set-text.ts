/**
 * Per-step DOM writes from store subscriptions (the denoise view's counter, speed and score): write only
 * what changed. Text is replaced, not edited in place: the counter and the speed are right-aligned, so an
 * edited text node that grows would move, which the Layout Instability API counts as a layout shift; a
 * new node is not a shift.
 */

/** Sets `el`'s text to `text` unless it already is. */
export function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** Sets `el.hidden`, writing the attribute only when it changes. */
export function setHidden(el: HTMLElement, hidden: boolean): void {
  if (el.hidden !== hidden) el.hidden = hidden;
}
