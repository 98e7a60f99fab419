// Input images as the upstream reads them — BFL's `input_image` … `input_image_8` (base64, with or
// without a data-URI prefix) on /images/generations, files on /images/edits — and the picture the fake
// answers an edit with: made from the inputs (each one a vertical strip, colours inverted), so a test
// can tell from the result that the relay received them, in order.
import sharp from 'sharp';
import type { ImageFormat } from './dialects.js';
import { has, reject, rejectUnsupported, type Body } from './fields.js';
import type { FakeModel } from './models.js';

/** BFL's field names, and two past FLUX.2's eight so an overflow is seen rather than ignored. */
export const INPUT_FIELDS: readonly string[] = ['input_image', ...Array.from({ length: 9 }, (_, index) => `input_image_${index + 2}`)];

export type InputKind = 'png' | 'jpeg' | 'webp';

/** The format by magic bytes; undefined for anything that is not a PNG, JPEG or WebP. */
export function inputKind(bytes: Buffer): InputKind | undefined {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return undefined;
}

function decodeField(name: string, value: unknown): Buffer {
  if (typeof value !== 'string') reject(name, `Invalid type for '${name}': expected a string, but got ${typeof value} instead.`, 'invalid_type');
  const text = value.trim();
  // The bot must never hand over a Discord link (signed, expiring, and not the relay's to fetch).
  if (/^https?:\/\//i.test(text)) reject(name, `Invalid '${name}': the image URL could not be downloaded.`, 'image_download_failed');
  const b64 = text.replace(/^data:image\/[a-z]+;base64,/i, '');
  const bytes = Buffer.from(b64, 'base64');
  if (!/^[A-Za-z0-9+/=\s]+$/.test(b64) || inputKind(bytes) === undefined) {
    reject(name, `Invalid '${name}': the data is not a base64 PNG, JPEG or WebP image.`, 'invalid_image');
  }
  return bytes;
}

/** The input images of a generation request, validated for `model`; empty when there are none. */
export function readInputImages(model: FakeModel, body: Body): Buffer[] {
  const present = INPUT_FIELDS.filter((name) => has(body, name));
  if (present.length === 0) return [];
  const max = model.maxInputImages ?? 0;
  if (max === 0) rejectUnsupported(body, present[0] as string, model.id);
  // Numbered inputs follow the first without gaps, as BFL documents them.
  present.forEach((name, index) => {
    if (name !== INPUT_FIELDS[index]) reject(name, `Invalid '${name}': '${INPUT_FIELDS[index]}' must be given first.`, 'invalid_value');
  });
  if (present.length > max) {
    reject(present[max] as string, `Invalid '${present[max]}': ${model.id} takes at most ${max} input image${max === 1 ? '' : 's'}.`, 'too_many_images');
  }
  return present.map((name) => decodeField(name, body[name]));
}

/** The answer to an edit: one vertical strip per input, left to right, each resized and inverted. */
export async function paintFromInputs(inputs: readonly Buffer[], spec: { width: number; height: number; format: ImageFormat }): Promise<Buffer> {
  const { width, height } = spec;
  const base = Math.floor(width / inputs.length);
  const strips = await Promise.all(
    inputs.map(async (input, index) => {
      const stripWidth = index === inputs.length - 1 ? width - base * (inputs.length - 1) : base;
      const bytes = await sharp(input).removeAlpha().resize(stripWidth, height, { fit: 'fill' }).negate().png().toBuffer();
      return { input: bytes, left: base * index, top: 0 };
    }),
  );
  const canvas = sharp({ create: { width, height, channels: 3, background: '#000000' } }).composite(strips);
  switch (spec.format) {
    case 'png':
      return canvas.png().toBuffer();
    case 'jpeg':
      return canvas.jpeg({ quality: 90 }).toBuffer();
    case 'webp':
      return canvas.webp({ quality: 90 }).toBuffer();
  }
}
