// Downloads a Discord attachment's bytes (to copy a reported image into the log channel, where it
// stays even after the original is deleted). The URL comes from Discord's own interaction payload,
// not from a relay, so no address guard beyond http(s); the size is capped while streaming, so a
// huge file cannot fill the bot's memory. Failures give undefined: the caller falls back to the URL.
import { fetch } from 'undici';
import { log } from '../log.js';

/** Larger files are not copied (the report links to them instead). */
export const MAX_COPY_BYTES = 25 * 1024 * 1024;
const TIMEOUT_MS = 15_000;

export async function attachmentBytes(url: string, maxBytes = MAX_COPY_BYTES, timeoutMs = TIMEOUT_MS): Promise<Buffer | undefined> {
  try {
    const { protocol } = new URL(url);
    if (protocol !== 'https:' && protocol !== 'http:') throw new Error(`refusing the ${protocol} scheme`);
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body.cancel();
      throw new Error(`larger than ${maxBytes} bytes (${declared})`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += chunk.byteLength;
      if (size > maxBytes) throw new Error(`larger than ${maxBytes} bytes`);
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  } catch (error) {
    // The URL carries Discord's signature parameters: log the path only.
    log.warn('could not copy an attachment', { path: safePath(url), message: error instanceof Error ? error.message : String(error) });
    return undefined;
  }
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '(not a URL)';
  }
}
