import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { encodeImagePng, settingsText, toLatin1Text, upscaleNearest, type PngSettings } from './png-file.ts';

const settings: PngSettings = {
  prompt: 'cat face',
  seed: 7,
  steps: 20,
  guidance: 4,
  sampler: 'ddim',
  spacing: 'trailing',
  eta: 0,
  negative: '',
  rescale: 0,
};

describe('encodeImagePng', () => {
  it('decodes (with fast-png) back to the RGB pixels, alpha dropped, with the settings as text', () => {
    const [w, h] = [3, 2];
    const rgba = Uint8Array.from({ length: w * h * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i * 53) % 256));
    const png = decode(encodeImagePng(rgba, w, h, { text: settingsText(settings) }));
    expect([png.width, png.height, png.channels, png.depth]).toEqual([w, h, 3, 8]);
    const rgb = Array.from(rgba).filter((_, i) => i % 4 !== 3);
    expect(Array.from(png.data)).toEqual(rgb);
    expect(png.text).toMatchObject({ prompt: 'cat face', seed: '7', steps: '20', guidance: '4', sampler: 'ddim' });
  });

  it('scales up by nearest neighbour: every source pixel becomes a scale x scale block', () => {
    const rgba = Uint8Array.from([10, 20, 30, 255, 40, 50, 60, 255]); // 2x1
    const png = decode(encodeImagePng(rgba, 2, 1, { scale: 8 }));
    expect([png.width, png.height]).toEqual([16, 8]);
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 16; x++) {
        const want = x < 8 ? [10, 20, 30] : [40, 50, 60];
        expect(Array.from(png.data.slice(3 * (y * 16 + x), 3 * (y * 16 + x) + 3))).toEqual(want);
      }
    }
  });

  it('refuses a pixel buffer of the wrong size', () => {
    expect(() => encodeImagePng(new Uint8Array(5), 2, 2)).toThrow(/expected 16 RGBA bytes/);
    expect(() => upscaleNearest(new Uint8Array(16), 2, 2, 0)).toThrow(/positive integer/);
  });
});

describe('settings text', () => {
  it('keeps printable Latin-1 as is and percent-encodes the rest, so decodeURIComponent restores it', () => {
    for (const text of ['cat face', 'café', '100% 🐱 ghost', 'a\nb', '\u{1F47B}\u{1F47B}', 'x\uD800y']) {
      const latin1 = toLatin1Text(text);
      expect(latin1).toMatch(/^[\u0020-\u007e\u00a0-\u00ff]*$/);
      expect(decodeURIComponent(latin1)).toBe(text.replace(/\uD800/, '\uFFFD'));
    }
    expect(toLatin1Text('cat face')).toBe('cat face');
  });

  it('records the start point only when the run did not start from noise', () => {
    expect(settingsText(settings).start).toBeUndefined();
    const text = settingsText({ ...settings, start: 'img2img', strength: 0.6, keep: 'left', prompt: 'un chat 🐱' });
    expect(text).toMatchObject({ start: 'img2img', strength: '0.6', prompt: 'un chat %F0%9F%90%B1' });
    expect(text.keep).toBeUndefined();
    expect(settingsText({ ...settings, start: 'inpaint', keep: 'left', mask: 'AAEB' })).not.toHaveProperty('mask');
    expect(settingsText({ ...settings, start: 'inpaint', keep: 'mask', mask: 'AQ-_x' })).toMatchObject({ keep: 'mask', mask: 'AQ-_x' });
  });

  it('makes PNGs whose text chunks any decoder reads back (non-Latin-1 prompt included)', () => {
    const rgba = new Uint8Array(4 * 4).fill(255);
    const png = decode(encodeImagePng(rgba, 2, 2, { text: settingsText({ ...settings, prompt: '👻 ghost' }) }));
    expect(decodeURIComponent(png.text.prompt)).toBe('👻 ghost');
  });
});
