// Turns a relay's success body into checked images: validated with zod at the edge, b64 decoded
// (data-URI prefix or not), URLs downloaded at once (they expire in ~10 minutes), and every image
// sniffed by its magic number and checked to be complete, so a truncated file never reaches Discord.
import { z } from 'zod';
import { MalformedResponseError, type ErrorContext } from './errors.js';
import { checkImage, MAX_IMAGE_PIXELS } from './imageHeader.js';
import { loadSharp } from './loadSharp.js';
import type { GeneratedImage } from './types.js';

const itemSchema = z.object({
  b64_json: z.string().nullish(),
  url: z.string().nullish(),
  seed: z.unknown().optional(),
});

export const imagesResponseSchema = z.object({
  created: z.union([z.number(), z.string()]).nullish(),
  data: z.array(itemSchema).min(1),
  usage: z.unknown().optional(),
  seed: z.unknown().optional(),
});

export type ImagesResponse = z.infer<typeof imagesResponseSchema>;

export interface ParsedImages {
  images: GeneratedImage[];
  usage?: unknown;
  /** The seed, when the relay reported one. */
  seed?: number;
}

export type ImageDownloader = (url: string) => Promise<Buffer>;

const DATA_URI = /^data:([^;,]*)((?:;[^;,]*)*),/i;
/** Any character above U+00FF (cannot occur in base64; see base64Bytes). */
const NOT_LATIN1 = /[^\x00-\xff]/;
const WHITESPACE = /\s/;
const ALL_WHITESPACE = /\s+/g;

/**
 * Decodes strict base64 (either alphabet, `+/` or `-_`; padding optional; no whitespace), or returns
 * undefined when `b64` is not that. It costs one decode and no scan of the string:
 *
 * Node's decoder skips characters outside the alphabet and stops at an `=`, so each of them leaves the
 * output shorter than `floor(3 * D / 4)` bytes, where D is the length without the trailing `=`.
 * This holds whenever D % 4 != 1 (a remainder of one character carries no whole byte, and such
 * strings are not base64 anyway, so they are refused first). A decoded length equal to that figure
 * therefore means every character was in the alphabet. One exception: the decoder looks only at the
 * low byte of a UTF-16 unit ('Ł', U+0141, reads as 'A'), so characters above U+00FF are refused by a
 * regex, which V8 answers without a scan for the usual one-byte string.
 */
function base64Bytes(b64: string): Buffer | undefined {
  let data = b64.length;
  if (data % 4 === 1) return undefined;
  if (data > 0 && b64.charCodeAt(data - 1) === 0x3d) data--;
  if (data > 0 && b64.charCodeAt(data - 1) === 0x3d) data--;
  if (data === 0 || data % 4 === 1 || NOT_LATIN1.test(b64)) return undefined;
  const bytes = Buffer.from(b64, 'base64');
  return bytes.length === Math.floor((data * 3) / 4) ? bytes : undefined;
}

/** Decodes `b64_json`, with or without a `data:image/…;base64,` prefix; invalid base64 is refused. */
export function decodeBase64Image(value: string, context: ErrorContext = {}): Buffer {
  let b64 = value.trim();
  // The data URI regex runs on the prefix alone, and only when there is one.
  if (b64.length > 5 && b64.slice(0, 5).toLowerCase() === 'data:') {
    const comma = b64.indexOf(',');
    const prefix = comma < 0 ? null : DATA_URI.exec(b64.slice(0, comma + 1));
    if (prefix) {
      if (!/;base64/i.test(prefix[2] ?? '')) {
        throw new MalformedResponseError('The relay sent an image data URI that is not base64', context);
      }
      b64 = b64.slice(prefix[0].length);
    }
  }
  // Line-wrapped base64 (MIME style) is accepted: whitespace is looked for, and removed, only when
  // the string as sent does not decode.
  const bytes = base64Bytes(b64) ?? (WHITESPACE.test(b64) ? base64Bytes(b64.replace(ALL_WHITESPACE, '')) : undefined);
  if (!bytes) throw new MalformedResponseError('The relay sent invalid base64 image data', context);
  return bytes;
}

/**
 * Sniffs the format, checks the file is complete and reads its dimensions from the headers
 * (imageHeader.ts, no decoding and no libvips). sharp is loaded only for a variant of a format
 * the header parser does not read.
 */
export async function inspectImage(bytes: Buffer, context: ErrorContext = {}): Promise<GeneratedImage> {
  const check = checkImage(bytes);
  if (check.ok) return { bytes, mime: check.mime, width: check.width, height: check.height };
  if (check.problem === 'notImage') {
    throw new MalformedResponseError('The relay sent data that is not a PNG, JPEG, WebP or GIF image', context);
  }
  const { mime } = check;
  const format = mime.slice(6).toUpperCase();
  switch (check.problem) {
    case 'truncated':
      throw new MalformedResponseError(`The relay sent a truncated ${format} image`, context);
    case 'tooLarge':
      throw new MalformedResponseError(
        `The relay sent a ${format} image of ${check.width}x${check.height} pixels, more than ${MAX_IMAGE_PIXELS} pixels`,
        context,
      );
    case 'unknown':
      try {
        const sharp = await loadSharp();
        const { width, height } = await sharp(bytes).metadata(); // enforces the same pixel limit
        return { bytes, mime, width, height };
      } catch {
        // unreadable, below
      }
  }
  throw new MalformedResponseError(`The relay sent a ${format} image that cannot be read`, context);
}

function integer(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Reads a relay's success body (`{created?, data: [{b64_json}|{url}], usage?}`, or the same folded
 * from an event stream) and returns the checked images. `json` is the body parsed once (a multi-MiB
 * b64 body costs milliseconds per parse), or undefined when it was not JSON. `download` fetches URL
 * results (see imageDownload.ts).
 */
export async function imagesFromJson(
  json: unknown,
  download: ImageDownloader,
  context: ErrorContext = {},
): Promise<ParsedImages> {
  if (json === undefined) {
    throw new MalformedResponseError('The relay answered with something that is not JSON', context);
  }
  const parsed = imagesResponseSchema.safeParse(json);
  if (!parsed.success) {
    throw new MalformedResponseError('The relay answered without any image (no `data` list)', context);
  }
  const images: GeneratedImage[] = [];
  let seed = integer(parsed.data.seed);
  for (const item of parsed.data.data) {
    let bytes: Buffer;
    if (item.b64_json) bytes = decodeBase64Image(item.b64_json, context);
    else if (item.url?.trim().startsWith('data:')) bytes = decodeBase64Image(item.url, context);
    else if (item.url) bytes = await download(item.url.trim());
    else throw new MalformedResponseError('The relay returned an image entry with neither b64_json nor url', context);
    images.push(await inspectImage(bytes, context));
    seed ??= integer(item.seed);
  }
  return {
    images,
    ...(parsed.data.usage !== undefined && parsed.data.usage !== null ? { usage: parsed.data.usage } : {}),
    ...(seed !== undefined ? { seed } : {}),
  };
}
