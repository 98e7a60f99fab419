// The request the whole bot passes around, independent of any relay dialect: the Discord command,
// the CLI and batch jobs build one; the catalog maps its size, the provider layer validates and maps
// the rest. It lives beside the catalog (which needs Adjustment) so the catalog imports no provider code.
import type { OutputFormat } from './types.js';

export { OMITTED } from '../i18n/messages.js';

/** One generation request. */
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
  /**
   * What the member typed, when the chat model rewrote it into `prompt` (enhance): kept for Details
   * and the usage log, never sent to a relay.
   */
  originalPrompt?: string;
}

/** What a member or a command line asked for, before checks: a prompt and whatever options were set. */
export type DraftRequest = Partial<ImageRequest> & { prompt: string };

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

/** A change made to what was asked ("size 1000x1000 → 992x992"); `to` is OMITTED for an option left out. */
export interface Adjustment {
  field: 'size' | 'quality' | 'seed' | 'safetyTolerance' | 'n' | 'outputFormat' | 'steps' | 'guidance' | 'promptUpsampling' | 'style' | 'inputImages';
  from: string;
  to: string;
}
