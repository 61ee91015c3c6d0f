import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { centreSquare, checkUpload, UPLOAD_MAX_BYTES } from './upload-image.ts';

const png = (width: number, height: number) => encode({ width, height, data: new Uint8Array(width * height * 3), channels: 3 });

describe('checkUpload', () => {
  it('accepts a PNG of any size within the bounds and reads its dimensions from the header', () => {
    expect(checkUpload(png(300, 200), 'a.png')).toEqual({ width: 300, height: 200, format: 'PNG' });
  });

  it('refuses text renamed .png, empty files, 1x1 images, huge files and decompression bombs, each with a message', () => {
    expect(() => checkUpload(new TextEncoder().encode('hello, I am a text file'), 'notes.png')).toThrow('notes.png is not a PNG, JPEG or WebP image.');
    expect(() => checkUpload(new Uint8Array(0), 'e.png')).toThrow('e.png is empty.');
    expect(() => checkUpload(png(1, 1), 'dot.png')).toThrow('dot.png is 1x1 px; it must be at least 8x8.');
    expect(() => checkUpload(new Uint8Array(UPLOAD_MAX_BYTES + 1), 'big.png')).toThrow(/big.png is 20.0 MB; the limit is 20.0 MB/);
    // A PNG header claiming 50000 x 50000 (a bomb): refused from the header, never decoded.
    const bomb = png(8, 8);
    new DataView(bomb.buffer, bomb.byteOffset).setUint32(16, 50000);
    new DataView(bomb.buffer, bomb.byteOffset).setUint32(20, 50000);
    expect(() => checkUpload(bomb, 'bomb.png')).toThrow('bomb.png is 50000x50000 px; images over 40 megapixels are refused.');
    const gif = new TextEncoder().encode('GIF89a\x10\x00\x10\x00\x00\x00\x00;');
    expect(() => checkUpload(gif, 'a.gif')).toThrow('a.gif is a gif file; use a PNG, JPEG or WebP image.');
  });

  it('crops the centred square', () => {
    expect(centreSquare(300, 200)).toEqual([50, 0, 200, 200]);
    expect(centreSquare(64, 101)).toEqual([0, 18, 64, 64]);
  });
});
