// Input images as the upstream reads them — BFL's `input_image` … `input_image_8` on
// /images/generations (new-api: base64, with or without a data-URI prefix; APIYI: a public URL or a
// data URL, never bare base64), files on /images/edits — and the picture the fake
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

/**
 * How `input_image…` values are read. `base64`: new-api passing them to BFL, bare base64 or a data
 * URL, never a link. `url-or-data-url`: APIYI's FLUX edit page (docs.apiyi.com, not a seed):
 * "input_image / input_image_2 … input_image_8 accept a public URL (recommended) or
 * data:image/...;base64,xxx data URL": bare base64 is refused.
 */
export type InputEncoding = 'base64' | 'url-or-data-url';

/**
 * What a public URL input is painted as: the fake fetches nothing from the internet, so every linked
 * image reads as this 8x8 grey PNG (its strip in the answer comes out inverted, a darker grey).
 */
export const LINKED_IMAGE_STANDIN = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAD0lEQVQImWNowAEYhpYEAILzYAEeEbvlAAAAAElFTkSuQmCC',
  'base64',
);

const DATA_URL = /^data:image\/[a-z+.-]+;base64,/i;

/** APIYI: a public http(s) URL (the stand-in), or a data URL of a PNG, JPEG or WebP. */
export function decodeUrlOrDataUrl(name: string, value: unknown): Buffer {
  if (typeof value !== 'string') reject(name, `Invalid type for '${name}': expected a string, but got ${typeof value} instead.`, 'invalid_type');
  const text = value.trim();
  if (/^https?:\/\/\S+$/i.test(text)) return LINKED_IMAGE_STANDIN;
  if (!DATA_URL.test(text)) {
    reject(name, `Invalid '${name}': expected a public image URL or a data:image/...;base64,... data URL.`, 'invalid_image');
  }
  const b64 = text.replace(DATA_URL, '');
  const bytes = Buffer.from(b64, 'base64');
  if (!/^[A-Za-z0-9+/=\s]+$/.test(b64) || inputKind(bytes) === undefined) {
    reject(name, `Invalid '${name}': the data URL is not a base64 PNG, JPEG or WebP image.`, 'invalid_image');
  }
  return bytes;
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
export function readInputImages(model: FakeModel, body: Body, encoding: InputEncoding = 'base64'): Buffer[] {
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
  const decode = encoding === 'base64' ? decodeField : decodeUrlOrDataUrl;
  return present.map((name) => decode(name, body[name]));
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
