// Turns the bytes of input images (Discord attachments, local files, a previous result) into what a
// relay accepts, before anything is spent: a real image by its magic bytes (not its name or declared
// type), decodable, not a decompression bomb, upright (EXIF orientation applied), at most 2048 px a
// side and 4 MP, a few MiB at most (base64 in a JSON body grows by a third), and joined side by side
// for models that read a single image (Kontext). Every refusal says which file and why, in both languages.
import type { Metadata, Sharp } from 'sharp';
import { InvalidInputError } from '../catalog/failure.js';
import type { InputImage, InputImageRef, InputSource } from '../catalog/request.js';
import type { ModelSpec } from '../catalog/types.js';
import { checkInputCount } from '../providers/dialects/inputs.js';
import { sniffImage, type ImageMime } from '../providers/imageHeader.js';
import { loadSharp } from '../providers/loadSharp.js';

/** Largest input file read at all (the download or file read stops there). */
export const MAX_INPUT_BYTES = 20 * 1024 * 1024;
/** Inputs are scaled down to this before sending: what FLUX.2 reads, and plenty for GPT image edits. */
export const MAX_INPUT_SIDE = 2048;
export const MAX_INPUT_PIXELS = 2048 * 2048;
/** Above this an input is re-encoded smaller. */
export const MAX_SEND_BYTES = 3 * 1024 * 1024;
/**
 * All inputs of one request together, so eight FLUX.2 references (base64 grows them by a third) or
 * sixteen GPT image files stay below the request-body limits relays and their proxies set.
 */
export const MAX_TOTAL_SEND_BYTES = 10 * 1024 * 1024;
/** Decoding stops above this many pixels (a tiny PNG can claim 100k x 100k). */
const MAX_DECODED_PIXELS = 64_000_000;
/** Height of each picture in a side-by-side join, at most. */
const JOIN_HEIGHT = 1536;

/** The bytes of one input as read, before any check. */
export interface RawInput {
  bytes: Buffer;
  name: string;
  /** Where it can be fetched again (a Discord message's attachment). */
  source?: InputSource;
}

export function tooLargeRefusal(name: string, maxBytes = MAX_INPUT_BYTES): InvalidInputError {
  return new InvalidInputError('image_too_large', { name, maxBytes });
}

export function notAnImageRefusal(name: string): InvalidInputError {
  return new InvalidInputError('image_not_an_image', { name });
}

/** Builds an InputImage whose JSON form is its reference (see InputImage). */
export function inputImage(fields: Omit<InputImage, 'toJSON'>): InputImage {
  return {
    ...fields,
    toJSON: (): InputImageRef => ({ name: fields.name, parts: fields.parts, sources: fields.sources }),
  };
}

interface Decoded {
  raw: RawInput;
  /** What the file's first bytes say it is; the name and the declared content type are not trusted. */
  mime: ImageMime;
  width: number;
  height: number;
  alpha: boolean;
  /** EXIF says the picture is stored rotated or mirrored. */
  oriented: boolean;
}

async function decode(raw: RawInput): Promise<Decoded> {
  // The cheap refusals first: libvips is loaded only for something that may be an image.
  if (raw.bytes.length > MAX_INPUT_BYTES) throw tooLargeRefusal(raw.name);
  const mime = sniffImage(raw.bytes);
  if (!mime) throw notAnImageRefusal(raw.name);
  const sharp = await loadSharp();
  let meta: Metadata;
  try {
    meta = await sharp(raw.bytes, { limitInputPixels: MAX_DECODED_PIXELS }).metadata();
  } catch {
    throw new InvalidInputError('image_unreadable', { name: raw.name });
  }
  const width = meta.autoOrient?.width ?? meta.width ?? 0;
  const height = meta.autoOrient?.height ?? meta.height ?? 0;
  if (width * height > MAX_DECODED_PIXELS || width === 0 || height === 0) {
    throw new InvalidInputError('image_too_many_pixels', { name: raw.name, width, height });
  }
  return { raw, mime, width, height, alpha: meta.hasAlpha === true, oriented: (meta.orientation ?? 1) !== 1 };
}

function fitsLimits(width: number, height: number): boolean {
  return width <= MAX_INPUT_SIDE && height <= MAX_INPUT_SIDE && width * height <= MAX_INPUT_PIXELS;
}

/** The largest size of this shape within the input limits. */
function limitedSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, MAX_INPUT_SIDE / width, MAX_INPUT_SIDE / height, Math.sqrt(MAX_INPUT_PIXELS / (width * height)));
  return { width: Math.max(1, Math.floor(width * scale)), height: Math.max(1, Math.floor(height * scale)) };
}

/**
 * Encodes `pipeline` (a fresh one per try) within the limits: PNG when it has transparency (edits
 * may rely on it), else JPEG; smaller by steps until under `budget` bytes.
 */
async function encodeWithin(
  pipeline: () => Sharp,
  width: number,
  height: number,
  alpha: boolean,
  budget: number,
): Promise<{ bytes: Buffer; mime: InputImage['mime']; width: number; height: number }> {
  let size = limitedSize(width, height);
  for (let step = 0; ; step++) {
    const resized = pipeline().resize(size.width, size.height, { fit: 'fill' });
    const bytes = alpha ? await resized.png({ compressionLevel: 9 }).toBuffer() : await resized.jpeg({ quality: step === 0 ? 92 : 85, mozjpeg: true }).toBuffer();
    if (bytes.length <= budget || step >= 6) return { bytes, mime: alpha ? 'image/png' : 'image/jpeg', ...size };
    size = { width: Math.max(64, Math.floor(size.width * 0.8)), height: Math.max(64, Math.floor(size.height * 0.8)) };
  }
}

/** One input as the relay will get it: untouched when it already fits, else upright, smaller, re-encoded. */
async function normalise(input: Decoded, budget: number): Promise<InputImage> {
  const sharp = await loadSharp();
  const { raw, mime, width, height } = input;
  const base = { name: raw.name, parts: 1, sources: raw.source ? [raw.source] : [] };
  if (mime !== 'image/gif' && !input.oriented && fitsLimits(width, height) && raw.bytes.length <= budget) {
    return inputImage({ ...base, bytes: raw.bytes, mime, width, height });
  }
  // GIFs become their first frame; autoOrient() applies the EXIF orientation before the tag is dropped.
  const encoded = await encodeWithin(() => sharp(raw.bytes, { limitInputPixels: MAX_DECODED_PIXELS }).autoOrient(), width, height, input.alpha, budget);
  return inputImage({ ...base, ...encoded });
}

/**
 * Several pictures side by side (left to right, in the order given), each scaled to one height: how
 * the APIYI doc sends two images to a model that reads one ("look at the left and the right image").
 */
async function joinSideBySide(inputs: Decoded[], budget: number): Promise<InputImage> {
  const sharp = await loadSharp();
  const height = Math.min(JOIN_HEIGHT, ...inputs.map((input) => input.height));
  const pieces = await Promise.all(
    inputs.map(async (input) => {
      const width = Math.max(1, Math.round((input.width * height) / input.height));
      const bytes = await sharp(input.raw.bytes, { limitInputPixels: MAX_DECODED_PIXELS }).autoOrient().resize(width, height, { fit: 'fill' }).png().toBuffer();
      return { bytes, width };
    }),
  );
  const width = pieces.reduce((sum, piece) => sum + piece.width, 0);
  const alpha = inputs.some((input) => input.alpha);
  let left = 0;
  const composites = pieces.map((piece) => {
    const placed = { input: piece.bytes, left, top: 0 };
    left += piece.width;
    return placed;
  });
  const canvas = await sharp({ create: { width, height, channels: alpha ? 4 : 3, background: alpha ? { r: 0, g: 0, b: 0, alpha: 0 } : '#ffffff' } })
    .composite(composites)
    .png()
    .toBuffer();
  const encoded = await encodeWithin(() => sharp(canvas), width, height, alpha, budget);
  const sources = inputs.every((input) => input.raw.source) ? inputs.map((input) => input.raw.source as InputSource) : [];
  return inputImage({ ...encoded, name: inputs.map((input) => input.raw.name).join(' + '), parts: inputs.length, sources });
}

/**
 * Checks and converts the inputs for `model`; throws InvalidInputError (param `image`) naming the
 * file at fault. A text-only model or too many inputs is refused before any is decoded; of `offered`
 * (the models offered here), those that take images are named in the refusal of a text-only model.
 */
export async function prepareInputImages(raw: readonly RawInput[], model: ModelSpec, offered?: readonly ModelSpec[]): Promise<InputImage[]> {
  checkInputCount(model, raw.length, offered);
  if (raw.length === 0) return [];
  const decoded = await Promise.all(raw.map(decode));
  if (model.inputImages?.joined && decoded.length > 1) return [await joinSideBySide(decoded, MAX_SEND_BYTES)];
  const budget = Math.min(MAX_SEND_BYTES, Math.floor(MAX_TOTAL_SEND_BYTES / decoded.length));
  return Promise.all(decoded.map((input) => normalise(input, budget)));
}

/**
 * A GPT image edit's mask: a PNG (its transparent pixels mark where the first image may change),
 * scaled to the first image as sent, since OpenAI requires the two to have the same dimensions.
 */
export async function prepareMask(raw: RawInput, first: InputImage): Promise<InputImage> {
  const decoded = await decode(raw);
  if (decoded.mime !== 'image/png' || !decoded.alpha) {
    throw new InvalidInputError('mask_not_transparent_png', { name: raw.name });
  }
  const same = decoded.width === first.width && decoded.height === first.height && !decoded.oriented;
  const sharp = await loadSharp();
  const bytes = same ? raw.bytes : await sharp(raw.bytes).autoOrient().resize(first.width, first.height, { fit: 'fill' }).png().toBuffer();
  return inputImage({ bytes, mime: 'image/png', width: first.width, height: first.height, name: raw.name, parts: 1, sources: [] });
}

/**
 * An image for a vision chat model to look at (/describe): checked like any input, and upright and
 * within the usual limits so a phone photo costs no more tokens than it needs.
 */
export async function prepareVisionImage(raw: RawInput): Promise<InputImage> {
  return normalise(await decode(raw), MAX_SEND_BYTES);
}
