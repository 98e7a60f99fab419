// An incremental decoder for server-sent events (the WHATWG `text/event-stream` format), fed body
// chunks as they arrive. Image events are large (a partial image is one `data:` line of several MiB
// of base64, spread over many chunks), so a line's pieces are kept in a list and joined once when the
// line ends: appending to one string and searching it again on every chunk would cost O(n²).
import { StringDecoder } from 'node:string_decoder';

const EVENT_STREAM_TYPE = /^\s*text\/event-stream\b/i;
const EVENT_STREAM_START = /^(?:event|data):/;

/**
 * Whether a response is a server-sent event stream: by its content type or, given the body (a
 * buffered one, from a relay that labels its events as something else), by its first field.
 */
export function isEventStream(contentType: string | readonly string[] | undefined, body?: string): boolean {
  const type = typeof contentType === 'string' ? contentType : contentType?.[0];
  return EVENT_STREAM_TYPE.test(type ?? '') || (body !== undefined && EVENT_STREAM_START.test(body.trimStart()));
}

export interface ServerSentEvent {
  /** The `event:` field, when the server named the event. */
  event?: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
}

export class SseDecoder {
  // UTF-8 characters may be split across chunks: StringDecoder keeps the incomplete bytes.
  private readonly text = new StringDecoder('utf8');
  private pieces: string[] = [];
  private event: string | undefined;
  private data: string[] = [];

  /** Decodes one body chunk; returns the events it completed (possibly none). */
  push(chunk: Buffer | string): ServerSentEvent[] {
    const events: ServerSentEvent[] = [];
    const text = typeof chunk === 'string' ? chunk : this.text.write(chunk);
    let start = 0;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', start)) {
      this.pieces.push(text.slice(start, newline));
      start = newline + 1;
      const line = this.pieces.length === 1 ? (this.pieces[0] ?? '') : this.pieces.join('');
      this.pieces = [];
      const event = this.line(line.endsWith('\r') ? line.slice(0, -1) : line);
      if (event) events.push(event);
    }
    if (start < text.length) this.pieces.push(text.slice(start));
    return events;
  }

  /** The body ended: a last event not followed by a blank line still counts (servers often omit it). */
  end(): ServerSentEvent[] {
    return this.push(`${this.text.end()}\n\n`);
  }

  private line(line: string): ServerSentEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined; // a comment (keep-alive pings)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    return undefined;
  }

  private dispatch(): ServerSentEvent | undefined {
    if (this.data.length === 0) {
      this.event = undefined;
      return undefined;
    }
    const event: ServerSentEvent = { data: this.data.length === 1 ? (this.data[0] ?? '') : this.data.join('\n') };
    if (this.event !== undefined) event.event = this.event;
    this.event = undefined;
    this.data = [];
    return event;
  }
}
