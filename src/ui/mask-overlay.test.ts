import { describe, expect, it } from 'vitest';
import { halfMask } from '../diffusion/half-mask.ts';
import { encodeMask } from '../diffusion/mask-codec.ts';
import { centreMask } from '../diffusion/mask-paint.ts';
import { defaultUrlState } from '../settings/fields.ts';
import { runOfUrlState } from '../state/run-links.ts';
import { runMask } from './mask-overlay.tsx';

describe('the reverse view overlay mask', () => {
  const base = defaultUrlState();

  it('is the mask the run kept: a half, or the painted one', () => {
    expect(runMask(runOfUrlState({ ...base, start: 'inpaint', keep: 'top' }), 64)).toEqual(halfMask('top', 64));
    const painted = centreMask(64);
    expect(runMask(runOfUrlState({ ...base, start: 'inpaint', keep: 'mask', mask: encodeMask(painted) }), 64)).toEqual(painted);
  });

  it('is none for runs that do not inpaint, and for a mask of another size', () => {
    expect(runMask(null, 64)).toBeNull();
    expect(runMask(runOfUrlState({ ...base, start: 'img2img', keep: 'mask', mask: encodeMask(centreMask(64)) }), 64)).toBeNull();
    expect(runMask(runOfUrlState({ ...base, start: 'inpaint', keep: 'mask', mask: encodeMask(centreMask(32)) }), 64)).toBeNull();
  });
});
