// multipart/form-data for OpenAI's /images/edits: text fields plus the image files (`image[]`,
// `mask`), built in memory. The bodies are a few MiB at most (inputs are scaled down before), and a
// Buffer with a known length lets the one HTTP client (http.ts) send it like a JSON body.
import { randomBytes } from 'node:crypto';
import type { PlannedFile } from './types.js';

/** A request body already encoded; http.ts sends it as is instead of JSON. */
export class EncodedBody {
  constructor(
    readonly contentType: string,
    readonly payload: Buffer,
  ) {}
}

const EXTENSIONS: Record<PlannedFile['image']['mime'], string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

/**
 * A file name safe inside a quoted header parameter: ASCII letters, digits, `-`, `_`, `.` only, and
 * an extension that matches the bytes (relays pick the decoder by it). User-given names are kept
 * where they can be, since the model may read "the image named …" in a prompt.
 */
export function multipartFileName(name: string, mime: PlannedFile['image']['mime'], index: number): string {
  const extension = EXTENSIONS[mime];
  const stem = name
    .replace(/\.[A-Za-z0-9]{1,5}$/, '')
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 60);
  return `${stem || `image-${index + 1}`}.${extension}`;
}

function fieldValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Quoted-string field names: the ones used here are plain ASCII, but never let a quote or newline through. */
function quoted(value: string): string {
  return value.replace(/["\r\n\\]/g, '_');
}

/** Encodes `fields` (undefined ones left out) and `files` as multipart/form-data. */
export function encodeMultipart(fields: Record<string, unknown>, files: readonly PlannedFile[], boundary = `imagine-${randomBytes(12).toString('hex')}`): EncodedBody {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${fieldValue(value)}\r\n`, 'utf8'));
  }
  files.forEach((file, index) => {
    const filename = multipartFileName(file.image.name, file.image.mime, index);
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(file.field)}"; filename="${filename}"\r\nContent-Type: ${file.image.mime}\r\n\r\n`,
        'utf8',
      ),
      file.image.bytes,
      Buffer.from('\r\n', 'utf8'),
    );
  });
  parts.push(Buffer.from(`--${boundary}--\r\n`, 'utf8'));
  return new EncodedBody(`multipart/form-data; boundary=${boundary}`, Buffer.concat(parts));
}
