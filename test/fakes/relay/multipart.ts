// multipart/form-data as the relay reads it for /v1/images/edits: text fields and files, parsed from
// the raw bytes (binary-safe), with the part headers a real parser would look at.

export interface FormFile {
  field: string;
  filename: string;
  contentType?: string;
  bytes: Buffer;
}

export interface ParsedForm {
  /** Text fields; a repeated field keeps its last value. */
  fields: Record<string, string>;
  files: FormFile[];
}

/** The boundary of a multipart/form-data content type, or undefined for anything else. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!/^multipart\/form-data\b/i.test(contentType?.trim() ?? '')) return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return match?.[1] ?? match?.[2];
}

function headerParam(header: string, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}="([^"]*)"`, 'i').exec(header) ?? new RegExp(`;\\s*${name}=([^;\\s]+)`, 'i').exec(header);
  return match?.[1];
}

/** Parses a form; throws an Error with a readable reason when it is not well formed. */
export function parseMultipart(body: Buffer, boundary: string): ParsedForm {
  const delimiter = Buffer.from(`--${boundary}`);
  const form: ParsedForm = { fields: {}, files: [] };
  let start = body.indexOf(delimiter);
  if (start < 0) throw new Error('multipart body without its boundary');
  for (;;) {
    start += delimiter.length;
    if (body.subarray(start, start + 2).toString('latin1') === '--') return form; // closing delimiter
    if (body.subarray(start, start + 2).toString('latin1') !== '\r\n') throw new Error('malformed multipart delimiter line');
    start += 2;
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), start);
    if (next < 0) throw new Error('multipart body ends without a closing boundary');
    const part = body.subarray(start, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) throw new Error('multipart part without headers');
    const headers = part.subarray(0, headerEnd).toString('utf8').split('\r\n');
    const content = part.subarray(headerEnd + 4);
    const disposition = headers.find((line) => /^content-disposition:/i.test(line)) ?? '';
    const type = headers.find((line) => /^content-type:/i.test(line))?.replace(/^content-type:\s*/i, '');
    const name = headerParam(disposition, 'name');
    if (!name) throw new Error('multipart part without a field name');
    const filename = headerParam(disposition, 'filename');
    if (filename === undefined) form.fields[name] = content.toString('utf8');
    else form.files.push({ field: name, filename, ...(type ? { contentType: type } : {}), bytes: Buffer.from(content) });
    start = next + 2;
  }
}
