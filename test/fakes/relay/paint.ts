// Placeholder images of the exact requested size. A smooth four-corner gradient whose colours come
// from the seed or prompt (so different requests look different in the demo, and the same seed
// repeats), or random noise, which compresses so badly that a 2048x2048 PNG passes 10 MiB: the case
// the bot must re-encode to fit Discord's upload limit.
import { createHash, randomBytes } from 'node:crypto';
import sharp, { type Sharp } from 'sharp';
import type { ImageFormat } from './dialects.js';

export interface PaintSpec {
  width: number;
  height: number;
  format: ImageFormat;
  /** Anything that should pick the colours: the seed when given, else the prompt. */
  key: string;
  /** Which of the `n` images of one request; varies the colours. */
  index?: number;
  noise?: boolean;
}

export const MIME_TYPES: Record<ImageFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

export async function paint(spec: PaintSpec): Promise<Buffer> {
  const image = spec.noise ? noise(spec.width, spec.height) : gradient(spec);
  return encode(image, spec.format, spec.noise === true);
}

function gradient(spec: PaintSpec): Sharp {
  const digest = createHash('sha256').update(`${spec.key}\u0000${spec.index ?? 0}`).digest();
  // 2x2 pixels, one colour per corner, stretched with a linear kernel: cheap at any size.
  const corners = digest.subarray(0, 12);
  return sharp(corners, { raw: { width: 2, height: 2, channels: 3 } }).resize(spec.width, spec.height, {
    kernel: 'linear',
    fit: 'fill',
  });
}

function noise(width: number, height: number): Sharp {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } });
}

function encode(image: Sharp, format: ImageFormat, incompressible: boolean): Promise<Buffer> {
  switch (format) {
    // Noise does not compress anyway: level 0 keeps painting fast and the file as large as it gets.
    case 'png':
      return image.png({ compressionLevel: incompressible ? 0 : 6 }).toBuffer();
    case 'jpeg':
      return image.jpeg({ quality: incompressible ? 100 : 85 }).toBuffer();
    case 'webp':
      return image.webp({ quality: 85 }).toBuffer();
  }
}

/** A valid PNG cut in half: for the `truncatedImage` fault. */
export async function truncatedPng(width: number, height: number): Promise<Buffer> {
  const whole = await paint({ width, height, format: 'png', key: 'truncated' });
  return whole.subarray(0, Math.floor(whole.length / 2));
}
