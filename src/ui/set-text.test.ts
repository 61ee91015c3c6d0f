// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { setHidden, setText } from './set-text.ts';

/** Mutation records of `el` while `write` runs. */
async function mutations(el: Node, write: () => void): Promise<MutationRecord[]> {
  const records: MutationRecord[] = [];
  const observer = new MutationObserver((r) => records.push(...r));
  observer.observe(el, { childList: true, characterData: true, subtree: true, attributes: true });
  write();
  await new Promise((r) => setTimeout(r, 0));
  observer.disconnect();
  return records;
}

describe('setText', () => {
  it('writes a changed text and nothing for the same text', async () => {
    const el = document.createElement('p');
    setText(el, 'Step 1 / 20');
    expect(el.textContent).toBe('Step 1 / 20');
    expect(await mutations(el, () => setText(el, 'Step 1 / 20'))).toHaveLength(0);
    expect((await mutations(el, () => setText(el, 'Step 2 / 20'))).length).toBeGreaterThan(0);
    expect(el.textContent).toBe('Step 2 / 20');
  });

  it('replaces mixed content and clears to empty', () => {
    const el = document.createElement('p');
    el.innerHTML = '<b>x</b> y';
    setText(el, 'plain');
    expect(el.innerHTML).toBe('plain');
    setText(el, '');
    expect(el.textContent).toBe('');
  });
});

describe('setHidden', () => {
  it('writes the attribute only when the flag changes', async () => {
    const el = document.createElement('span');
    const records = await mutations(el, () => {
      setHidden(el, false);
      setHidden(el, true);
      setHidden(el, true);
    });
    expect(el.hidden).toBe(true);
    expect(records).toHaveLength(1);
  });
});
