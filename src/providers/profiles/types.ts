// What a relay accepts, per model family: the shapes of ../../../shared/seeds/ written down as data.
import type { ModelSpec, SizeRule } from '../../catalog/types.js';

/** The relay profiles: one per seed relay, and the generic new-api / one-api gateway. */
export const PROFILE_NAMES = ['new-api', 'flu', 'apiyi', 'quickrouter', 'anyapi'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/**
 * Body fields a request may carry beyond the stable set (`model`, `prompt`, the size control, `n`
 * and input images). Each is sent only when it differs from the model's own default, and a relay
 * that refuses one gets the request once more without any of them (relayClient.ts).
 */
export const OPTIONAL_FIELDS = [
  'quality',
  'moderation',
  'output_format',
  'style',
  'seed',
  'safety_tolerance',
  'prompt_upsampling',
  'steps',
  'guidance',
] as const;
export type OptionalField = (typeof OPTIONAL_FIELDS)[number];

/** How the output size travels. */
export type SizeControl =
  /** `size: "WxH"` alone (APIYI FLUX: "与 width/height 二选一", one or the other). */
  | 'size'
  /** `size` plus `width`/`height` that agree (one-api passes them to BFL; new-api keeps `size`). */
  | 'size+width+height'
  /** `aspect_ratio: "W:H"` alone (Kontext; FLUX on QuickRouter/AnyAPI, where it is required). */
  | 'aspect_ratio'
  /** No size parameter: the shape is asked for in the prompt (gpt-image-2-all, "尺寸请写进 prompt"). */
  | 'prompt';

/** How input images travel for an edit. */
export type InputEncoding =
  /** Raw base64 in `input_image`, `input_image_2` … (BFL's own API, through one-api). */
  | 'base64'
  /** `data:image/…;base64,…` in the same fields (APIYI's FLUX edit page: "URL or base64 data URL"). */
  | 'data-url'
  /** Files of a multipart form on /images/edits (OpenAI's edit endpoint). */
  | 'multipart'
  /** `image_url` parts of a chat message (gpt-image-2-all on /chat/completions). */
  | 'chat'
  /** The relay documents no input image for this family: an edit is refused before anything is spent. */
  | 'none';

/** What one relay takes for one model. */
export interface ModelRules {
  /** `/images/generations` (edits by multipart go to `/images/edits`) or `/chat/completions`. */
  endpoint: 'images' | 'chat';
  size: SizeControl;
  /** Replaces the model's size rule (QuickRouter: the nine ratios; APIYI: 64 px sides). */
  sizes?: SizeRule;
  /** The relay accepts only the nine-value aspect-ratio enum. */
  strictAspectRatios?: boolean;
  /** A prompt cap below the model's own. */
  maxPromptChars?: number;
  /** Most images per request on this relay for this model (replaces the model's own when set). */
  maxN?: number;
  /** The optional fields this relay takes for the model; the rest are never sent. */
  optional: readonly OptionalField[];
  inputs: InputEncoding;
}

export type ProfileRules = (model: ModelSpec) => ModelRules;
