// Checks an image without decoding it: the format from its magic number, that the file is complete
// (PNG up to IEND, JPEG ending in EOI, WebP as long as its RIFF header says, GIF blocks up to the
// trailer) and its width and height from the headers (PNG IHDR, JPEG SOFn, WebP VP8/VP8L/VP8X, GIF
// logical screen). Pure TypeScript over the bytes, so checking a relay's image no longer loads libvips
// (importing sharp alone costs ~20 MiB of RSS).
//
// It refuses what sharp's metadata() refused (checked against it on mutated images: see
// test/unit/imageHeader.test.ts): the structure libvips' loaders read before the pixels (PNG chunks
// up to the first IDAT, JPEG markers up to the first scan, WebP chunks, GIF blocks), zero sizes, and
// images over sharp's default pixel limit, which the delivery step (sharp) would refuse anyway. Like
// metadata(), it does not decode pixel data: a corrupt scan or IDAT still passes.

export type ImageMime = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';

/** sharp's default `limitInputPixels` (0x3FFF * 0x3FFF): larger images cannot be processed later. */
export const MAX_IMAGE_PIXELS = 0x3fff * 0x3fff;

export type ImageCheck =
  | { ok: true; mime: ImageMime; width: number; height: number }
  /** A variant of a known format this parser does not read: a full decoder may still know it. */
  | { ok: false; problem: 'unknown'; mime: ImageMime }
  | { ok: false; problem: 'notImage' }
  | { ok: false; problem: 'truncated' | 'unreadable'; mime: ImageMime }
  | { ok: false; problem: 'tooLarge'; mime: ImageMime; width: number; height: number };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The format from the magic number. */
export function sniffImage(bytes: Buffer): ImageMime | undefined {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') {
    return 'image/webp';
  }
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.toString('latin1', 0, 6))) return 'image/gif';
  return undefined;
}

/** Length without trailing padding some encoders and proxies append (NUL, whitespace). */
function trimmedEnd(bytes: Buffer): number {
  let end = bytes.length;
  for (;;) {
    const byte = bytes[end - 1];
    if (byte !== 0x00 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x20) return end;
    end--;
  }
}

interface Size {
  width: number;
  height: number;
}
/** What a format reader found: the size, or why there is none. */
type Read = Size | 'truncated' | 'unreadable' | 'unknown';

// --- PNG ---

/** Bit depths allowed for each colour type. */
const PNG_DEPTHS: Record<number, readonly number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/** A chunk type is four ASCII letters. */
function isChunkType(bytes: Buffer, offset: number): boolean {
  for (let i = offset; i < offset + 4; i++) {
    const letter = (bytes[i] ?? 0) | 0x20;
    if (letter < 0x61 || letter > 0x7a) return false;
  }
  return true;
}

/**
 * Walks the chunks up to IEND, none running past the end of the file (complete). Readable: IHDR
 * first (length 13, valid fields); before the first IDAT, what libpng reads: well-formed chunk
 * names, no unknown critical chunk, and a PLTE for a palette image. CRCs are not checked: libvips
 * does not check them either.
 */
function readPng(bytes: Buffer): Read {
  let offset = 8;
  let size: Size | undefined;
  let readable = true;
  let needsPalette = false;
  let pixels = false; // an IDAT was seen
  while (offset + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const next = offset + 12 + length;
    if (next > bytes.length) return 'truncated';
    if (type === 'IEND') {
      return size && readable && pixels ? size : 'unreadable';
    } else if (offset === 8) {
      size = type === 'IHDR' && length === 13 ? pngHeader(bytes, offset + 8) : undefined;
      needsPalette = bytes[offset + 17] === 3;
    } else if (!pixels) {
      if (type === 'IDAT') pixels = true;
      // A chunk with an uppercase first letter is critical: one libpng does not know is an error.
      const critical = type.charCodeAt(0) < 0x61;
      if (!isChunkType(bytes, offset + 4) || (critical && type !== 'PLTE' && type !== 'IDAT') || (type === 'IDAT' && needsPalette)) {
        readable = false;
      }
      if (type === 'PLTE') {
        needsPalette = false;
        if (length === 0 || length > 768 || length % 3 !== 0) readable = false;
      }
    }
    offset = next;
  }
  return 'truncated';
}

function pngHeader(bytes: Buffer, at: number): Size | undefined {
  const width = bytes.readUInt32BE(at);
  const height = bytes.readUInt32BE(at + 4);
  const depth = bytes[at + 8] ?? -1;
  const colourType = bytes[at + 9] ?? -1;
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) return undefined;
  if (!PNG_DEPTHS[colourType]?.includes(depth)) return undefined;
  // Compression and filter methods 0, interlace none or Adam7.
  if (bytes[at + 10] !== 0 || bytes[at + 11] !== 0 || (bytes[at + 12] !== 0 && bytes[at + 12] !== 1)) return undefined;
  return { width, height };
}

// --- JPEG ---

const SOF_SUPPORTED = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc9, 0xca, 0xcb]);
const SOF_UNSUPPORTED = new Set([0xc5, 0xc6, 0xc7, 0xc8, 0xcd, 0xce, 0xcf]);

/**
 * Complete: ends with EOI. Readable, as libjpeg's jpeg_read_header sees it: the markers up to the
 * first scan (SOS) are known ones of the right lengths; the frame header (SOFn, one, of a process
 * libjpeg decodes) has a size, a precision of 8, 12 or 16 bits and valid components; the quantisation, Huffman and arithmetic tables
 * are well formed; the scan names components of the frame. Bytes between segments that are not a
 * marker are skipped, as libjpeg does.
 */
function readJpeg(bytes: Buffer): Read {
  const end = trimmedEnd(bytes);
  if (end < 4 || bytes[end - 2] !== 0xff || bytes[end - 1] !== 0xd9) return 'truncated';
  let size: Size | undefined;
  let components: number[] = [];
  let offset = 2; // after SOI
  for (;;) {
    while (offset < end && bytes[offset] !== 0xff) offset++;
    while (offset < end && bytes[offset] === 0xff) offset++; // fill bytes
    if (offset >= end) return 'truncated';
    const marker = bytes[offset++] ?? 0;
    if (marker === 0x00 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // not a marker, TEM, RSTn
    if (marker === 0xd8 || marker === 0xd9) return 'unreadable'; // SOI again, or EOI before any scan
    if (offset + 2 > end) return 'truncated';
    const length = bytes.readUInt16BE(offset);
    if (length < 2) return 'unreadable';
    if (offset + length > end) return 'truncated';
    const body = offset + 2;
    const bodyEnd = offset + length;
    offset = bodyEnd;
    if (SOF_SUPPORTED.has(marker)) {
      if (size) return 'unreadable'; // two SOF markers
      const frame = jpegFrame(bytes, body, bodyEnd);
      if (!frame) return 'unreadable';
      [size, components] = frame;
    } else if (marker === 0xda) {
      if (!size || !jpegScanValid(bytes, body, bodyEnd, components)) return 'unreadable';
      return size;
    } else if (marker === 0xdb) {
      if (!jpegQuantTablesValid(bytes, body, bodyEnd)) return 'unreadable';
    } else if (marker === 0xc4) {
      if (!jpegHuffmanTablesValid(bytes, body, bodyEnd)) return 'unreadable';
    } else if (marker === 0xcc) {
      if (!jpegArithmeticTablesValid(bytes, body, bodyEnd)) return 'unreadable';
    } else if (marker === 0xdd) {
      if (length !== 4) return 'unreadable'; // DRI
    } else if (SOF_UNSUPPORTED.has(marker) || !((marker >= 0xe0 && marker <= 0xef) || marker === 0xfe || marker === 0xdc)) {
      return 'unreadable'; // only APPn, COM and DNL remain, skipped
    }
  }
}

/** SOFn: precision, height, width, then 3 bytes per component (id, sampling factors, table). */
function jpegFrame(bytes: Buffer, at: number, end: number): [Size, number[]] | undefined {
  const [precision, count] = [bytes[at] ?? 0, bytes[at + 5] ?? 0];
  if (end - at !== 6 + 3 * count || count === 0 || count > 10) return undefined;
  if (precision !== 8 && precision !== 12 && precision !== 16) return undefined;
  const height = bytes.readUInt16BE(at + 1);
  const width = bytes.readUInt16BE(at + 3);
  // Height 0 defers it to a DNL marker, which libjpeg does not support; nor sizes over 65500.
  if (width === 0 || height === 0 || width > 65_500 || height > 65_500) return undefined;
  const ids: number[] = [];
  for (let c = at + 6; c < end; c += 3) {
    const sampling = bytes[c + 1] ?? 0;
    const [h, v] = [sampling >> 4, sampling & 0x0f];
    if (h < 1 || h > 4 || v < 1 || v > 4) return undefined;
    ids.push(bytes[c] ?? -1);
  }
  return [{ width, height }, ids];
}

/** SOS: component count (1–4), then for each a component of the frame and its tables, then 3 bytes. */
function jpegScanValid(bytes: Buffer, at: number, end: number, frame: number[]): boolean {
  const count = bytes[at] ?? 0;
  if (count < 1 || count > 4 || end - at !== 4 + 2 * count) return false;
  for (let c = at + 1; c < at + 1 + 2 * count; c += 2) if (!frame.includes(bytes[c] ?? -1)) return false;
  return true;
}

/** DQT: tables of 64 values of 8 or 16 bits, index 0–3, filling the segment exactly. */
function jpegQuantTablesValid(bytes: Buffer, at: number, end: number): boolean {
  while (at < end) {
    const spec = bytes[at] ?? 0;
    if ((spec & 0x0f) > 3) return false;
    at += 1 + 64 * (spec >> 4 ? 2 : 1);
  }
  return at === end;
}

/** DHT: class 0/1, index 0–3, 16 counts then at most 256 symbols, filling the segment exactly. */
function jpegHuffmanTablesValid(bytes: Buffer, at: number, end: number): boolean {
  while (at < end) {
    if (end - at < 17) return false;
    const spec = bytes[at] ?? 0;
    if (spec >> 4 > 1 || (spec & 0x0f) > 3) return false;
    let symbols = 0;
    for (let i = at + 1; i < at + 17; i++) symbols += bytes[i] ?? 0;
    if (symbols > 256) return false;
    at += 17 + symbols;
  }
  return at === end;
}

/** DAC: pairs of index (below 32) and value (DC: lower bound not above upper; AC: 1–63). */
function jpegArithmeticTablesValid(bytes: Buffer, at: number, end: number): boolean {
  if ((end - at) % 2 !== 0) return false;
  for (; at < end; at += 2) {
    const index = bytes[at] ?? 0;
    const value = bytes[at + 1] ?? 0;
    if (index >= 32) return false;
    if (index < 16 ? (value & 0x0f) > value >> 4 : value < 1 || value > 63) return false;
  }
  return true;
}

// --- WebP ---

interface RiffChunk {
  type: string;
  at: number;
  length: number;
}

/** The VP8 key frame header: frame tag (key frame, profile 0–3, shown, first partition inside the chunk), start code, 14-bit sizes. */
function vp8Size(bytes: Buffer, chunk: RiffChunk): Size | undefined {
  if (chunk.length < 10) return undefined;
  const tag = bytes.readUIntLE(chunk.at, 3);
  if ((tag & 1) !== 0 || ((tag >> 1) & 7) > 3 || ((tag >> 4) & 1) === 0 || tag >> 5 >= chunk.length) return undefined;
  if (bytes[chunk.at + 3] !== 0x9d || bytes[chunk.at + 4] !== 0x01 || bytes[chunk.at + 5] !== 0x2a) return undefined;
  const width = bytes.readUInt16LE(chunk.at + 6) & 0x3fff;
  const height = bytes.readUInt16LE(chunk.at + 8) & 0x3fff;
  return width === 0 || height === 0 ? undefined : { width, height };
}

/** The VP8L header: signature 0x2F, width-1 and height-1 on 14 bits each, alpha hint, version 0. */
function vp8lSize(bytes: Buffer, chunk: RiffChunk): Size | undefined {
  if (chunk.length < 5 || bytes[chunk.at] !== 0x2f) return undefined;
  const bits = bytes.readUInt32LE(chunk.at + 1);
  if (bits >>> 29 !== 0) return undefined;
  return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
}

/**
 * Complete: as long as the RIFF header says. Readable: the chunks fill the RIFF payload (each
 * padded to an even length); a simple file starts with its VP8 or VP8L image; an extended one
 * (VP8X, 10 bytes, no reserved flag set) has either the ANIM chunk its animation flag announces
 * or one image of the canvas size.
 */
function readWebp(bytes: Buffer): Read {
  const riffEnd = bytes.readUInt32LE(4) + 8;
  if (riffEnd > bytes.length) return 'truncated';
  const chunks: RiffChunk[] = [];
  let offset = 12;
  while (offset < riffEnd) {
    if (offset + 8 > riffEnd) return 'unreadable';
    const length = bytes.readUInt32LE(offset + 4);
    const chunk = { type: bytes.toString('latin1', offset, offset + 4), at: offset + 8, length };
    if (chunk.at + length > riffEnd) return 'unreadable';
    chunks.push(chunk);
    offset = chunk.at + length + (length & 1);
  }
  const first = chunks[0];
  if (!first) return 'unreadable';
  switch (first.type) {
    case 'VP8 ':
      return vp8Size(bytes, first) ?? 'unreadable';
    case 'VP8L':
      return vp8lSize(bytes, first) ?? 'unreadable';
    case 'VP8X': {
      const flags = bytes[first.at] ?? 0;
      if (first.length !== 10 || (flags & 0xc1) !== 0) return 'unreadable'; // reserved flag bits set
      const canvas = { width: bytes.readUIntLE(first.at + 4, 3) + 1, height: bytes.readUIntLE(first.at + 7, 3) + 1 };
      if (canvas.width * canvas.height >= 2 ** 32) return 'unreadable';
      const animated = (flags & 0x02) !== 0;
      if (animated) return chunks.some((chunk) => chunk.type === 'ANIM') ? canvas : 'unreadable';
      const image = chunks.find((chunk) => chunk.type === 'VP8 ' || chunk.type === 'VP8L');
      if (!image) return 'unreadable';
      const size = image.type === 'VP8 ' ? vp8Size(bytes, image) : vp8lSize(bytes, image);
      return size && size.width === canvas.width && size.height === canvas.height ? canvas : 'unreadable';
    }
    default:
      return 'unknown';
  }
}

// --- GIF ---

/** Logical screen sizes libnsgif (libvips' GIF loader) takes for a mistake and replaces by the first frame's. */
const GIF_SUSPECT_SCREENS = new Set(['640x480', '640x512', '800x600', '1024x768', '1280x1024', '1600x1200']);

/**
 * Complete: the last byte is the trailer, and the blocks (extensions, images with their colour
 * tables and data sub-blocks) lead there without running past the end. Readable: at least one
 * image, LZW code sizes below 12. The size is what libnsgif reports: the logical screen, grown to
 * hold the first image (and replaced by it when the screen is 0, over 2048 or a suspect size).
 */
function readGif(bytes: Buffer): Read {
  const end = trimmedEnd(bytes);
  if (end < 14 || bytes[end - 1] !== 0x3b) return 'truncated';
  let width = bytes.readUInt16LE(6);
  let height = bytes.readUInt16LE(8);
  if (width === 0 || height === 0 || width > 2048 || height > 2048 || GIF_SUSPECT_SCREENS.has(`${width}x${height}`)) {
    [width, height] = [1, 1];
  }
  const colourTable = (packed: number): number => (packed & 0x80 ? 3 << ((packed & 7) + 1) : 0);
  let offset = 13 + colourTable(bytes[10] ?? 0);
  let images = 0;
  for (;;) {
    const block = bytes[offset];
    if (block === undefined) return 'truncated';
    if (block === 0x21) {
      offset += 2; // introducer, label
    } else if (block === 0x2c) {
      if (offset + 11 > bytes.length) return 'truncated';
      if (images++ === 0) {
        width = Math.max(width, bytes.readUInt16LE(offset + 1) + bytes.readUInt16LE(offset + 5));
        height = Math.max(height, bytes.readUInt16LE(offset + 3) + bytes.readUInt16LE(offset + 7));
      }
      offset += 10 + colourTable(bytes[offset + 9] ?? 0);
      if ((bytes[offset] ?? 0) >= 12) return 'unreadable'; // LZW minimum code size
      offset++;
    } else {
      break; // the trailer, or bytes libnsgif stops at
    }
    for (;;) {
      // data sub-blocks: a length byte, then that many bytes, up to an empty one
      const length = bytes[offset];
      if (length === undefined) return 'truncated';
      offset += 1 + length;
      if (length === 0) break;
    }
  }
  return images > 0 ? { width, height } : 'unreadable';
}

/**
 * Checks `bytes` without decoding the pixels: the format, completeness, the size from the headers
 * and the pixel limit. `unknown` means a variant of the format this parser does not read: the
 * caller may ask a full decoder.
 */
export function checkImage(bytes: Buffer): ImageCheck {
  const mime = sniffImage(bytes);
  if (!mime) return { ok: false, problem: 'notImage' };
  const read =
    mime === 'image/png' ? readPng(bytes) : mime === 'image/jpeg' ? readJpeg(bytes) : mime === 'image/webp' ? readWebp(bytes) : readGif(bytes);
  if (typeof read === 'string') return { ok: false, problem: read, mime };
  const { width, height } = read;
  if (width * height > MAX_IMAGE_PIXELS) return { ok: false, problem: 'tooLarge', mime, width, height };
  return { ok: true, mime, width, height };
}
