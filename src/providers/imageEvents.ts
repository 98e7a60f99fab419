// Folds the events of a streamed image generation (`stream: true`) into the JSON of a normal answer,
// one event at a time, as they arrive. OpenAI's Images API streams `image_generation.partial_image`
// events (`b64_json`, `partial_image_index`, 0-based) and then one `image_generation.completed` per
// image (`b64_json`, `usage`); a failure is an event whose data carries `error` (or an `error` event
// with `{type: "error", code, message, param}`). Partial images are handed to a callback and dropped,
// so a long stream holds only the completed images.
import { sniffImage } from './imageHeader.js';
import { decodeBase64Image } from './images.js';
import { SseDecoder, type ServerSentEvent } from './sse.js';
import type { GeneratedImage } from './types.js';

/** A preview the relay sent while the image is being made. */
export interface PartialImage {
  /** 0-based, in the order the relay sent them. */
  index: number;
  /** How many previews were asked for (`partial_images`); 0 when unknown. */
  total: number;
  bytes: Buffer;
  mime: GeneratedImage['mime'];
}

export type PartialImageListener = (partial: PartialImage) => void;

type Json = Record<string, unknown>;

export class ImageEventCollector {
  private readonly data: Array<{ b64_json?: string; url?: string }> = [];
  private usage: unknown;
  private error: unknown;
  /** A relay that sent one whole normal answer as a single event. */
  private wrapped: Json | undefined;
  private partials = 0;

  constructor(
    private readonly onPartialImage?: PartialImageListener,
    private readonly expectedPartials = 0,
  ) {}

  accept(sse: ServerSentEvent): void {
    if (this.error !== undefined || this.wrapped !== undefined) return;
    const payload = sse.data.trim();
    if (!payload || payload === '[DONE]') return;
    let event: Json;
    try {
      const parsed: unknown = JSON.parse(payload);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return;
      event = parsed as Json;
    } catch {
      return; // a line we do not understand is not worth failing a paid generation over
    }
    const type = typeof event.type === 'string' ? event.type : (sse.event ?? '');
    if (event.error !== undefined && event.error !== null) {
      this.error = event.error;
      return;
    }
    if (type === 'error' || sse.event === 'error') {
      const { code, message, param } = event;
      this.error = { message: message ?? 'the relay reported an error in the stream', code, param, type: event.type };
      return;
    }
    if (type.endsWith('partial_image')) {
      this.partial(event);
      return;
    }
    if (typeof event.b64_json === 'string' || typeof event.url === 'string') {
      this.data.push({ b64_json: event.b64_json as string | undefined, url: event.url as string | undefined });
      this.usage = event.usage ?? this.usage;
    } else if (Array.isArray(event.data)) {
      this.wrapped = event;
    }
  }

  /**
   * The answer as a normal response would have it: `{error}` when the stream failed, the wrapped
   * answer, `{data, usage}` when images completed; undefined when the stream ended without any of
   * these (cut off mid-way: the relay may still finish and bill it).
   */
  result(): Json | undefined {
    if (this.error !== undefined) return { error: this.error };
    if (this.wrapped !== undefined) return this.wrapped;
    if (this.data.length === 0) return undefined;
    return this.usage === undefined ? { data: this.data } : { data: this.data, usage: this.usage };
  }

  private partial(event: Json): void {
    const index = typeof event.partial_image_index === 'number' ? event.partial_image_index : this.partials;
    this.partials++;
    // `partial_image_b64` is the Responses API's name for it, which some relays pass through.
    const b64 = typeof event.b64_json === 'string' ? event.b64_json : event.partial_image_b64;
    if (!this.onPartialImage || typeof b64 !== 'string') return;
    // A preview is a nicety: one that does not decode is skipped, never an error.
    let bytes: Buffer;
    try {
      bytes = decodeBase64Image(b64);
    } catch {
      return;
    }
    const mime = sniffImage(bytes);
    if (!mime) return;
    try {
      this.onPartialImage({ index, total: this.expectedPartials, bytes, mime });
    } catch {
      // The listener's failure (a Discord edit, say) must not touch the generation.
    }
  }
}

export interface ImageEventStream {
  /** Takes the next body chunk (postJson's `onEventStreamData`), or a whole body already read as text. */
  push(chunk: Buffer | string): void;
  /** The body ended: the folded answer, as ImageEventCollector.result(). */
  finish(): Json | undefined;
}

/**
 * Reads an image event stream chunk by chunk: an SSE decoder feeding an ImageEventCollector. The one
 * reader of image events, for streamed answers and for event streams that arrived buffered alike.
 */
export function imageEventStream(onPartialImage: PartialImageListener | undefined, expectedPartials: number): ImageEventStream {
  const decoder = new SseDecoder();
  const collector = new ImageEventCollector(onPartialImage, expectedPartials);
  return {
    push(chunk) {
      for (const event of decoder.push(chunk)) collector.accept(event);
    },
    finish() {
      for (const event of decoder.end()) collector.accept(event);
      return collector.result();
    },
  };
}
