// The public shapes of the relay fake: its options, what it records, the faults it can inject.

/**
 * Which relay the fake plays. `new-api` is the generic new-api / one-api reseller of shared/RELAYS.md;
 * the others follow one seed document each (shared/seeds): `flu` 000 (Flu API), `apiyi` 001 + 002
 * (APIYI FLUX.2 and Flux Kontext), `quickrouter` 003 and `anyapi` 004 (the same "Flux 创建(OpenAI
 * dall-e-3格式)" endpoint). The rules of each live in profiles/.
 */
export type RelayProfile = 'new-api' | 'flu' | 'apiyi' | 'quickrouter' | 'anyapi';

export interface RelayFakeOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** The accepted Bearer key. Default 'sk-fake-relay-key-0000000000000000'. */
  apiKey?: string;
  /** The relay played, and so the rules a request is checked against. Default 'new-api'. */
  profile?: RelayProfile;
  /**
   * `flu` only: refuse any field of a GPT image request outside {model, prompt, size, n, quality}, and
   * any size but the seed's three, with Flu's generic `400 Invalid request` (000: "参数名称写错"). Default false.
   */
  rejectUnknownParams?: boolean;
  /** Only the nine-value aspect-ratio enum for Kontext and Ultra (QuickRouter, AnyAPI). */
  strictAspectRatios?: boolean;
  /** A relay-level prompt cap below the models' own (QuickRouter caps at 1000). */
  maxPromptChars?: number;
  /** A relay-level cap on `n` below the models' own 10. Default 10. */
  maxN?: number;
  /**
   * new-api behaviour: drop `seed`, `safety_tolerance`, `aspect_ratio`, `width`, `height`, `steps`,
   * `guidance` before the request reaches the "upstream". Default false (one-api: pass-through).
   * Read by the `new-api` and `flu` profiles; the others forward what their seed documents.
   */
  dropUnknownFields?: boolean;
  /**
   * Whether GPT image `stream: true` is answered as server-sent events. Default true; when false the
   * flag is ignored (a plain JSON answer, as new-api gives); `'refuse'` answers a request carrying
   * `stream` or `partial_images` with OpenAI's 400 `unknown_parameter`.
   */
  streaming?: boolean | 'refuse';
  /**
   * Cloudflare in front of the relay: a generation whose answer has not started after this many ms
   * gets Cloudflare's HTML 524; one whose answer started but then sends nothing for this long is cut
   * (no terminator). A stream that keeps sending events survives. Default: no Cloudflare.
   */
  cloudflareTimeoutMs?: number;
  /** Simulated generation time before a successful answer. Default 20 ms. */
  latencyMs?: number | ((model: string) => number);
  /** How long result URLs stay downloadable. Default 10 minutes. */
  urlTtlMs?: number;
  /** Clock for URL expiry and `RecordedRequest.at` (tests advance it). Default Date.now. */
  now?: () => number;
  /** Paint every image as random noise (huge PNGs). The prompt keyword `noise` does the same per request. */
  noise?: boolean;
  /**
   * How the chat models (gpt-4o-mini, …) answer /v1/chat/completions, once the request passed the
   * relay's checks: the assistant's text, or a whole answer (`{status, body}`: an error, or a 200 of
   * any shape). `undefined` (the default, and what configure({chatReply: undefined}) restores): the
   * fake's own answers (chat.ts).
   */
  chatReply?: ChatReply;
}

/** What the chat model was asked: the system messages' text, the last user message's text and images. */
export interface ChatAsk {
  model: string;
  system: string;
  text: string;
  /** How many images the last user message carries. */
  images: number;
}

export type ChatReply = (ask: ChatAsk) => string | { status: number; body: unknown };

export interface RecordedRequest {
  method: string;
  /** The path without the query string, e.g. `/v1/images/generations`. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or the raw text when it is not JSON (undefined when empty). */
  body: unknown;
  /** From the `now` clock. */
  at: number;
  /** The request id the fake answered with (`x-request-id`). */
  requestId: string;
  /**
   * The body as the "upstream" saw it, after `dropUnknownFields` or the profile's own field dropping;
   * set for generation (and chat) requests that got that far.
   */
  forwardedBody?: Record<string, unknown>;
  /** The files of a multipart request (image edits); its text fields are `body`. */
  files?: Array<{ field: string; filename: string; contentType?: string; size: number }>;
}

/**
 * Faults on the image URL of a successful answer (the download, not the generation); they make even
 * a GPT model answer with `url`.
 */
export type DownloadFault =
  | { kind: 'url404' }
  | { kind: 'urlNotImage' }
  | { kind: 'urlSlow'; ms: number }
  /** Serves `bytes` bytes; with a Content-Length unless `chunked`. */
  | { kind: 'urlHuge'; bytes: number; chunked?: boolean }
  /** The image URL answers 302 to `location` (e.g. http://10.0.0.1/x or http://169.254.169.254/). */
  | { kind: 'urlRedirect'; location: string };

/** Faults that replace the whole answer to a generation request. */
export type TransportFault =
  /** Any JSON error: 429 with retry-after headers, 500 new_api_error, 402 quota, … */
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  /** An HTML error page: Cloudflare 524, nginx 502, … (a default page when `body` is omitted). */
  | { kind: 'html'; status: number; body?: string }
  /** Read the request, then reset the connection without answering. */
  | { kind: 'reset' }
  /** Read the request and never answer (until close()). */
  | { kind: 'hang' }
  /** 200 headers and part of the body, then nothing more. */
  | { kind: 'stallBody' }
  /** 200 with a body that is not JSON. */
  | { kind: 'invalidJson' }
  /** 200 JSON without `data`. */
  | { kind: 'missingData' };

/**
 * Faults in an otherwise successful answer's image data. The b64 ones make even a FLUX model answer
 * with `b64_json`; a streamed request with a payload or download fault queued is answered as plain JSON.
 */
export type PayloadFault =
  /** `b64_json` that is not base64. */
  | { kind: 'badBase64' }
  /** Valid base64 of bytes that are no image. */
  | { kind: 'notImage' }
  /** Base64 of a PNG cut in half. */
  | { kind: 'truncatedImage' }
  /** `b64_json` as `data:image/png;base64,…`. */
  | { kind: 'dataUri' }
  /** `data[0].url` is exactly this URL. */
  | { kind: 'urlPointsTo'; url: string };

/**
 * Faults in a streamed answer (`stream: true`), after `afterPartials` partial images (default 1;
 * capped at the number asked for). A request that is not streamed ignores them.
 */
export type StreamFault =
  /** An `error` event ends the stream; `error` is its body (default: OpenAI's `moderation_blocked`). */
  | { kind: 'streamError'; afterPartials?: number; error?: Record<string, unknown> }
  /** The connection is cut mid-stream. */
  | { kind: 'streamCut'; afterPartials?: number }
  /** The stream ends cleanly, but without the image. */
  | { kind: 'streamEnd'; afterPartials?: number };

export type Fault = TransportFault | PayloadFault | DownloadFault | StreamFault;

export interface RelayFake {
  /** Base URL including /v1, e.g. http://127.0.0.1:PORT/v1. */
  readonly url: string;
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  /** The key currently accepted (follows configure()). */
  readonly apiKey: string;
  /** Every request to /v1/*, in order (not the image downloads). */
  readonly requests: RecordedRequest[];
  /** Paths of the image downloads asked for, in order (`/files/<id>.<ext>`). */
  readonly downloads: string[];
  /** Queues faults for the next `count` (default 1) generation requests, in order. */
  failNext(fault: Fault, count?: number): void;
  /** Changes options at run time (host and port excepted). */
  configure(options: Partial<RelayFakeOptions>): void;
  /** Clears requests, downloads and queued faults (images already served stay downloadable). */
  reset(): void;
  /** Closes the server and every socket, hung ones included. */
  close(): Promise<void>;
}
