// Request bodies as Discord reads them: JSON, or multipart/form-data with `payload_json` plus
// `files[n]` parts (what @discordjs/rest sends whenever a message carries files).
import { DiscordError } from './http.js';

export interface UploadedFile {
  /** the form field name, e.g. `files[0]` */
  field: string;
  /** n of `files[n]`; Discord matches it against `attachments[].id` */
  index: number;
  filename: string;
  contentType?: string;
  bytes: Buffer;
}

export interface ParsedBody {
  payload: unknown;
  files: UploadedFile[];
}

const EXTENSION_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  txt: 'text/plain; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

function guessType(filename: string, declared: string): string | undefined {
  // Discord sniffs uploads; a generic declared type gets replaced by what the extension says.
  if (declared && declared !== 'application/octet-stream') return declared;
  const ext = filename.split('.').pop()?.toLowerCase() ?? '';
  return EXTENSION_TYPES[ext] ?? (declared || undefined);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new DiscordError(400, 50109, 'The request body contains invalid JSON.');
  }
}

export async function parseBody(contentType: string | undefined, body: Buffer): Promise<ParsedBody> {
  if (body.length === 0) return { payload: undefined, files: [] };
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) return parseMultipart(contentType ?? '', body);
  return { payload: parseJson(body.toString('utf8')), files: [] };
}

async function parseMultipart(contentType: string, body: Buffer): Promise<ParsedBody> {
  // undici's (Node's) Response implements the multipart parser; no extra dependency needed.
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new DiscordError(400, 50035, 'Invalid Form Body');
  }
  const files: UploadedFile[] = [];
  const fields: Record<string, string> = {};
  let payloadJson: string | undefined;
  let nextIndex = 0;
  for (const [field, value] of form.entries()) {
    if (typeof value === 'string') {
      if (field === 'payload_json') payloadJson = value;
      else fields[field] = value;
      continue;
    }
    // Discord accepts any file field name; `files[n]` carries the index that attachments[].id refers to.
    const match = /^files\[(\d+)\]$/.exec(field);
    const index = match ? Number(match[1]) : nextIndex;
    nextIndex = Math.max(nextIndex, index + 1);
    const bytes = Buffer.from(await value.arrayBuffer());
    const filename = value.name || `file${index}`;
    const contentTypeOfPart = guessType(filename, value.type);
    files.push({ field, index, filename, bytes, ...(contentTypeOfPart ? { contentType: contentTypeOfPart } : {}) });
  }
  const payload = payloadJson !== undefined ? parseJson(payloadJson) : Object.keys(fields).length ? fields : {};
  return { payload, files };
}
