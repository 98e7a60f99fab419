import type { ModelSpec, OutputFormat } from '../catalog/types.js';
import type { ProfileName } from './profiles/types.js';

/**
 * One generation request, independent of any relay dialect. The Discord command, the CLI and
 * batch jobs all build one of these; the provider layer validates and maps it.
 */
export interface ImageRequest {
  prompt: string;
  model: string;
  /** `WxH` (e.g. `1024x1536`), an aspect ratio (`16:9`), or `auto`. */
  size?: string;
  quality?: string;
  seed?: number;
  safetyTolerance?: number;
  outputFormat?: OutputFormat;
  n?: number;
  promptUpsampling?: boolean;
  steps?: number;
  guidance?: number;
  /** dall-e-3's `style`: `vivid` (its default) or `natural`. */
  style?: string;
  /** Input images: the request becomes an edit (see InputImage). */
  inputImages?: InputImage[];
  /** GPT image edits only: a PNG whose transparent pixels mark where the first image may change. */
  mask?: InputImage;
}

/**
 * An input image, already checked (magic bytes, decodable) and scaled to what relays accept.
 * Requests are serialised into the job table and the usage log: `toJSON` keeps them to a reference,
 * so image bytes never land in SQLite.
 */
export interface InputImage {
  bytes: Buffer;
  mime: 'image/png' | 'image/jpeg' | 'image/webp';
  width: number;
  height: number;
  /** The file name people know it by (shown in the result, sent in multipart). */
  name: string;
  /** How many images were joined side by side into this one (Kontext reads one image); 1 otherwise. */
  parts: number;
  /**
   * Where each part can be fetched again (Re-roll): one per part, or none for uploads that are not
   * kept anywhere (a slash-command attachment, a local file).
   */
  sources: InputSource[];
  toJSON(): InputImageRef;
}

/** A Discord message attachment an input came from: Re-roll fetches the message again for a fresh link. */
export interface InputSource {
  channelId: string;
  messageId: string;
  attachmentId: string;
}

/** What is stored of an input: its name, how many images it joined, and where they came from. */
export interface InputImageRef {
  name: string;
  parts: number;
  sources: InputSource[];
}

/** Per-relay options that change how a request is built. */
export interface DialectOptions {
  /** The relay accepts only the nine-value aspect-ratio enum (21:9 16:9 4:3 3:2 1:1 2:3 3:4 9:16 9:21). */
  strictAspectRatios: boolean;
  /** The relay caps prompts shorter than the model does. */
  maxPromptChars?: number;
  /** What the relay accepts (profiles/): `new-api` when absent. */
  profile?: ProfileName;
  /**
   * The models offered here, of which refusals about input images name those that take images;
   * every catalog model when absent.
   */
  offeredModels?: readonly ModelSpec[];
}

/** A request that passed validation, mapped onto one dialect, ready to send. */
export interface PlannedRequest {
  model: ModelSpec;
  /**
   * Path under the relay's `/v1` base: edits of GPT image models go to `/images/edits`, models
   * served conversationally (gpt-image-2-all on APIYI) to `/chat/completions`.
   */
  path: '/images/generations' | '/images/edits' | '/chat/completions';
  /** The JSON body to send; with `files`, the text fields of a multipart form. */
  body: Record<string, unknown>;
  /** Files of a multipart request (`image[]`, `mask`); absent for JSON requests. */
  files?: PlannedFile[];
  /** The size or aspect ratio actually requested, for display (`1024x1536`, `16:9`, `auto`). */
  effectiveSize: string;
  /** How many images were asked for. */
  n: number;
  /** Human-readable adjustments made to the request ("size 1000x1000 rounded to 992x992"). */
  adjustments: Adjustment[];
}

export interface PlannedFile {
  /** The form field: `image[]` or `mask`. */
  field: string;
  image: InputImage;
}

export interface Adjustment {
  field: 'size' | 'quality' | 'seed' | 'safetyTolerance' | 'n' | 'outputFormat' | 'steps' | 'guidance' | 'promptUpsampling' | 'style' | 'inputImages';
  from: string;
  to: string;
}

export interface GeneratedImage {
  bytes: Buffer;
  /** Sniffed from the magic number, not trusted from headers. */
  mime: 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';
  width?: number;
  height?: number;
}

export interface GenerationResult {
  images: GeneratedImage[];
  model: string;
  /** The relay (by name) that produced the images. */
  relay: string;
  /** Request id reported by the relay (`x-request-id`, `X-Oneapi-Request-Id`, `(request id: …)`). */
  requestId?: string;
  effectiveSize: string;
  seed?: number;
  adjustments: Adjustment[];
  /** True when the relay rejected `quality` and the request was retried without it. */
  qualityDropped: boolean;
  /** Optional fields the relay refused, so the request was sent once more without them (absent: none). */
  droppedParams?: string[];
  /** Wall time from the first byte sent to the last image decoded. */
  elapsedMs: number;
  /** Estimated USD for the images delivered. */
  estimatedCost: number;
  /** The relay's `usage` object when it sent one (GPT image token counts). */
  usage?: unknown;
  /** The input images of an edit, for the result to name. */
  inputs?: InputImageRef[];
}
