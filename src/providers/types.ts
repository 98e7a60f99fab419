import type { ModelSpec } from '../catalog/types.js';
import type { Adjustment, InputImage, InputImageRef } from '../catalog/request.js';
import type { ProfileName } from './profiles/types.js';

/** The request types live beside the catalog (catalog/request.ts); re-exported for provider code. */
export type { Adjustment, ImageRequest, InputImage, InputImageRef, InputSource } from '../catalog/request.js';

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

/** One OpenAI chat message (`/v1/chat/completions`): text, or text and image parts for a vision model. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string | ChatContentPart[];
}

export type ChatContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };
