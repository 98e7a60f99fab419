// Makes a generated image small enough for the server's upload limit (10 MiB by default; boosted
// servers allow more — pass `interaction.attachmentSizeLimit`). Relays return PNGs of 2048² and up
// that can exceed it; failing with "file too large" is what users of other bots complain about.
//
// The cheapest change that fits wins, in this order:
//   original       fits already: the bytes are untouched
//   webp-lossless  same pixels, usually smaller than PNG (skipped for JPEG sources: already lossy)
//   webp           lossy at quality 90, then 80; keeps transparency
//   jpeg           quality 90 (mozjpeg); only for opaque stills, because JPEG has no alpha
//   downscaled     last resort: fewer pixels, same aspect ratio
import type { JpegOptions, Metadata, Sharp, WebpOptions } from 'sharp';
import { loadSharp } from '../providers/loadSharp.js';

export type FittedMime = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';
export type FittedExtension = 'png' | 'jpg' | 'webp' | 'gif';
export type FitStep = 'original' | 'webp-lossless' | 'webp' | 'jpeg' | 'downscaled';

export interface FittedImage {
  bytes: Buffer;
  mime: FittedMime;
  extension: FittedExtension;
  width: number;
  height: number;
  step: FitStep;
  /** Size of the image as received, to log or show how much was saved. */
  originalBytes: number;
}

/**
 * Room left below the limit for the multipart envelope around the file (boundary, headers,
 * payload_json). 64 KiB, or 5 % for small test limits where 64 KiB would leave nothing.
 */
export function uploadTarget(limitBytes: number): number {
  return limitBytes - Math.min(64 * 1024, Math.floor(limitBytes * 0.05));
}

const FORMATS: Readonly<Record<string, { mime: FittedMime; extension: FittedExtension }>> = {
  png: { mime: 'image/png', extension: 'png' },
  jpeg: { mime: 'image/jpeg', extension: 'jpg' },
  webp: { mime: 'image/webp', extension: 'webp' },
  gif: { mime: 'image/gif', extension: 'gif' },
};

/** Attempts at making the image smaller than the upload target, before the last resort. */
const MAX_DOWNSCALES = 8;
/** Aim this much below the size the square-root rule predicts: sizes don't scale exactly with area. */
const DOWNSCALE_MARGIN = 0.92;

interface Encoded {
  bytes: Buffer;
  format: 'webp' | 'jpeg';
  width: number;
  height: number;
}

/** The decoded image, ready to be encoded several times without decoding it again. */
interface Source {
  /** A fresh pipeline over the decoded pixels (sharp pipelines are single-use). */
  pipeline(): Sharp;
  width: number;
  height: number;
  /** Any pixel not fully opaque. An RGBA PNG whose alpha is all 255 counts as opaque. */
  transparent: boolean;
  animated: boolean;
}

function isOpaque(data: Buffer, channels: number): boolean {
  if (channels !== 2 && channels !== 4) return true;
  for (let i = channels - 1; i < data.length; i += channels) if (data[i] !== 255) return false;
  return true;
}

async function decode(bytes: Buffer, pages: number): Promise<Source> {
  const sharp = await loadSharp();
  if (pages > 1) {
    // Animated (GIF/WebP): re-read the file each time so every frame is kept; WebP keeps animation.
    const meta = await sharp(bytes, { animated: true }).metadata();
    const width = meta.width ?? 0;
    const height = meta.pageHeight ?? meta.height ?? 0;
    return { pipeline: () => sharp(bytes, { animated: true }), width, height, transparent: meta.hasAlpha ?? false, animated: true };
  }
  // Decode once to 8-bit pixels; every attempt below re-encodes from this buffer. autoOrient
  // because re-encoding drops the EXIF orientation the viewer would otherwise have applied.
  const { data, info } = await sharp(bytes).autoOrient().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const raw = { width: info.width, height: info.height, channels: info.channels };
  const hasAlpha = info.channels === 2 || info.channels === 4;
  const transparent = hasAlpha && !isOpaque(data, info.channels);
  // An alpha channel with nothing in it only costs bytes and would rule out JPEG: drop it.
  const pipeline = hasAlpha && !transparent ? () => sharp(data, { raw }).removeAlpha() : () => sharp(data, { raw });
  return { pipeline, width: info.width, height: info.height, transparent, animated: false };
}

async function encode(pipeline: Sharp, format: 'webp' | 'jpeg', options: WebpOptions | JpegOptions): Promise<Encoded> {
  const shaped = format === 'webp' ? pipeline.webp(options as WebpOptions) : pipeline.jpeg(options as JpegOptions);
  const { data, info } = await shaped.toBuffer({ resolveWithObject: true });
  return { bytes: data, format, width: info.width, height: info.height };
}

function result(encoded: Encoded, step: FitStep, originalBytes: number, size?: { width: number; height: number }): FittedImage {
  const format = FORMATS[encoded.format] as (typeof FORMATS)[string];
  // For animations sharp reports the height of all frames stacked; the caller knows the frame size.
  const { width, height } = size ?? encoded;
  return { bytes: encoded.bytes, ...format, width, height, step, originalBytes };
}

/**
 * The image has a readable header but its pixels cannot be decoded (a relay's PNG with IDAT data
 * missing, a corrupt JPEG scan): it can be uploaded as it is, but not re-encoded to fit.
 */
export class UndecodableImageError extends Error {
  constructor(override readonly cause: unknown) {
    super(`The image cannot be decoded to re-encode it: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'UndecodableImageError';
  }
}

/**
 * Returns the image unchanged when it is within the upload target, else the first re-encoding
 * that is. Throws UndecodableImageError when a too-large image cannot be decoded, and a plain
 * Error when even a heavily downscaled image cannot fit (a limit of a few KiB).
 */
export async function fitToUploadLimit(image: { bytes: Buffer; mime: string }, limitBytes: number): Promise<FittedImage> {
  if (!Number.isFinite(limitBytes) || limitBytes <= 0) throw new RangeError(`Invalid upload limit: ${limitBytes}`);
  const target = uploadTarget(limitBytes);
  const originalBytes = image.bytes.length;

  // Trust the bytes, not the declared MIME type: relays mislabel JPEGs as PNGs. A header the relay
  // client's own check let through but libvips refuses is the relay's broken image, not a bot bug.
  let meta: Metadata;
  try {
    const sharp = await loadSharp();
    meta = await sharp(image.bytes).metadata();
  } catch (error) {
    throw new UndecodableImageError(error);
  }
  const known = FORMATS[meta.format ?? ''];
  if (known && originalBytes <= target) {
    const oriented = meta.autoOrient ?? { width: meta.width ?? 0, height: meta.height ?? 0 };
    return { bytes: image.bytes, ...known, width: oriented.width, height: oriented.height, step: 'original', originalBytes };
  }

  let source: Source;
  try {
    source = await decode(image.bytes, meta.pages ?? 1);
  } catch (error) {
    throw new UndecodableImageError(error);
  }
  const frame = source.animated ? { width: source.width, height: source.height } : undefined;
  const fits = (encoded: Encoded): boolean => encoded.bytes.length <= target;

  if (meta.format !== 'jpeg') {
    const lossless = await encode(source.pipeline(), 'webp', { lossless: true, effort: 4 });
    if (fits(lossless)) return result(lossless, 'webp-lossless', originalBytes, frame);
  }
  let smallest: Encoded | undefined;
  for (const quality of [90, 80]) {
    smallest = await encode(source.pipeline(), 'webp', { quality });
    if (fits(smallest)) return result(smallest, 'webp', originalBytes, frame);
  }
  const jpegAllowed = !source.transparent && !source.animated;
  if (jpegAllowed) {
    const jpeg = await encode(source.pipeline(), 'jpeg', { quality: 90, mozjpeg: true });
    if (fits(jpeg)) return result(jpeg, 'jpeg', originalBytes);
    smallest = jpeg;
  }

  // Last resort: encoded size grows roughly with pixel count, so scale each side by
  // sqrt(target / size), a little less, and repeat from the new size if it is still too big.
  const downscale = async (width: number, height: number): Promise<Encoded> => {
    const resized = source.pipeline().resize(width, height, { fit: 'fill' });
    return jpegAllowed ? encode(resized, 'jpeg', { quality: 85, mozjpeg: true }) : encode(resized, 'webp', { quality: 80 });
  };
  let { width, height } = source;
  let size = (smallest as Encoded).bytes.length;
  for (let attempt = 0; attempt < MAX_DOWNSCALES; attempt++) {
    const scale = Math.min(Math.sqrt(target / size) * DOWNSCALE_MARGIN, 0.9);
    width = Math.max(1, Math.floor(width * scale));
    height = Math.max(1, Math.floor(height * scale));
    const encoded = await downscale(width, height);
    if (fits(encoded)) return result(encoded, 'downscaled', originalBytes, source.animated ? { width, height } : undefined);
    size = encoded.bytes.length;
    if (width === 1 && height === 1) break;
  }
  throw new Error(`Cannot fit a ${source.width}x${source.height} image under ${limitBytes} bytes`);
}
