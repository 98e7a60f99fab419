import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { attachmentName } from '../../src/delivery/attachmentName.js';
import { fitToUploadLimit, uploadTarget } from '../../src/delivery/fitToUploadLimit.js';

const MIB = 1024 * 1024;

/** Random pixels compress to nothing: a 2048² noise PNG is ~12 MB, like the worst relay output. */
async function noisePng(width: number, height: number, channels: 3 | 4): Promise<Buffer> {
  return sharp(randomBytes(width * height * channels), { raw: { width, height, channels } }).png().toBuffer();
}

describe('fitToUploadLimit', () => {
  let bigNoise: Buffer;
  beforeAll(async () => {
    bigNoise = await noisePng(2048, 2048, 3);
  });

  it('returns an image under the limit untouched', async () => {
    const png = await noisePng(64, 48, 3);
    const fitted = await fitToUploadLimit({ bytes: png, mime: 'image/png' }, 10 * MIB);
    expect(fitted.step).toBe('original');
    expect(fitted.bytes).toBe(png);
    expect(fitted).toMatchObject({ mime: 'image/png', extension: 'png', width: 64, height: 48, originalBytes: png.length });
  });

  it('trusts the bytes over a wrong MIME type', async () => {
    const jpeg = await sharp(randomBytes(32 * 32 * 3), { raw: { width: 32, height: 32, channels: 3 } }).jpeg().toBuffer();
    const fitted = await fitToUploadLimit({ bytes: jpeg, mime: 'image/png' }, 10 * MIB);
    expect(fitted).toMatchObject({ step: 'original', mime: 'image/jpeg', extension: 'jpg' });
  });

  it('brings a 12 MB noise PNG under 10 MiB, keeping its size', async () => {
    expect(bigNoise.length).toBeGreaterThan(10 * MIB);
    const started = performance.now();
    const fitted = await fitToUploadLimit({ bytes: bigNoise, mime: 'image/png' }, 10 * MIB);
    const elapsed = performance.now() - started;
    console.log(`fit 2048x2048 noise PNG ${bigNoise.length} B → ${fitted.step} ${fitted.bytes.length} B in ${elapsed.toFixed(0)} ms`);
    expect(fitted.step).not.toBe('original');
    expect(fitted.bytes.length).toBeLessThanOrEqual(uploadTarget(10 * MIB));
    expect(fitted).toMatchObject({ width: 2048, height: 2048, originalBytes: bigNoise.length });
    const meta = await sharp(fitted.bytes).metadata();
    expect(meta).toMatchObject({ width: 2048, height: 2048, format: fitted.extension === 'jpg' ? 'jpeg' : fitted.extension });
  });

  it('downscales, keeping the aspect ratio, when nothing else fits', async () => {
    const wide = await noisePng(1024, 512, 3);
    const fitted = await fitToUploadLimit({ bytes: wide, mime: 'image/png' }, 100_000);
    expect(fitted.step).toBe('downscaled');
    expect(fitted.bytes.length).toBeLessThanOrEqual(uploadTarget(100_000));
    expect(fitted.width).toBeLessThan(1024);
    expect(fitted.width / fitted.height).toBeCloseTo(2, 1);
    const meta = await sharp(fitted.bytes).metadata();
    expect([meta.width, meta.height]).toEqual([fitted.width, fitted.height]);
  });

  it('keeps transparency (WebP, never JPEG) when the source has it', async () => {
    const rgba = await noisePng(1024, 1024, 4);
    for (const limit of [rgba.length - 1, 400_000]) {
      const fitted = await fitToUploadLimit({ bytes: rgba, mime: 'image/png' }, limit);
      expect(fitted.mime).toBe('image/webp');
      expect(fitted.bytes.length).toBeLessThanOrEqual(uploadTarget(limit));
      const meta = await sharp(fitted.bytes).metadata();
      expect(meta.hasAlpha).toBe(true);
    }
  });

  it('drops an alpha channel that is fully opaque, so JPEG stays possible', async () => {
    const pixels = randomBytes(1024 * 1024 * 4);
    for (let i = 3; i < pixels.length; i += 4) pixels[i] = 255;
    const opaqueRgba = await sharp(pixels, { raw: { width: 1024, height: 1024, channels: 4 } }).png().toBuffer();
    const fitted = await fitToUploadLimit({ bytes: opaqueRgba, mime: 'image/png' }, 1 * MIB);
    expect(fitted.bytes.length).toBeLessThanOrEqual(uploadTarget(1 * MIB));
    expect((await sharp(fitted.bytes).metadata()).hasAlpha).toBe(false);
  });

  it('refuses an impossible limit', async () => {
    await expect(fitToUploadLimit({ bytes: bigNoise, mime: 'image/png' }, 0)).rejects.toThrow(RangeError);
  });
});

describe('attachmentName', () => {
  it('keeps a plain prefix', () => {
    expect(attachmentName('imagine', 1, 'png')).toBe('imagine-1.png');
    expect(attachmentName('SPOILER_imagine', 2, 'webp')).toBe('SPOILER_imagine-2.webp');
  });

  it('removes path separators and dots', () => {
    const name = attachmentName('../../etc/passwd', 0, 'jpg');
    expect(name).toBe('etc-passwd-0.jpg');
    expect(attachmentName('..\\..\\windows', 3, 'png')).toBe('windows-3.png');
    expect(attachmentName('.hidden', 1, 'png')).toBe('hidden-1.png');
  });

  it('reduces Unicode to ASCII', () => {
    expect(attachmentName('café ｆｏｘ 🦊', 1, 'png')).toBe('cafe-fox-1.png');
    expect(attachmentName('一只狐狸', 1, 'png')).toBe('image-1.png');
    expect(attachmentName('', 1, 'gif')).toBe('image-1.gif');
  });

  it('caps the length at 64 characters and ends with the extension', () => {
    const name = attachmentName('a very long prompt '.repeat(20), 12, 'webp');
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^[A-Za-z0-9_-]+-12\.webp$/);
  });

  it('sanitises a bad index or extension', () => {
    expect(attachmentName('x', -1, 'png')).toBe('x-0.png');
    expect(attachmentName('x', Number.NaN, '../png' as 'png')).toBe('x-0.png');
  });
});
