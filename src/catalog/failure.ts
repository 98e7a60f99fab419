// Failures as data. Every error the bot explains is an ImagineError with a `kind` (the relay's own
// failure classes are its subclasses in providers/errors.ts); a local refusal is an InvalidInputError
// carrying a code and the params its message needs. The words for both live in src/i18n/
// (errorMessages.ts, refusalMessages.ts); `message` is their English, for logs.
// It lives beside the catalog, whose size mapping refuses, so the catalog imports no provider code.
import type { ErrorKind } from '../i18n/errorMessages.js';
import type { Localized } from '../i18n/locale.js';
import { refusalWording, type Refusal, type RefusalCode, type RefusalParams } from '../i18n/refusalMessages.js';

export type { ErrorKind } from '../i18n/errorMessages.js';
export type { Refusal, RefusalCode, RefusalParams } from '../i18n/refusalMessages.js';

export interface ErrorContext {
  relay?: string;
  status?: number;
  requestId?: string;
  /** The relay's error code (`moderation_blocked`, `insufficient_user_quota`, …); a refusal's own code. */
  code?: string;
  /** The relay's message, already redacted. */
  relayMessage?: string;
  /** For invalid_input and bad_request: the option at fault (`size`, `quality`, `prompt`, …). */
  param?: string;
  cause?: unknown;
}

export class ImagineError extends Error {
  readonly kind: ErrorKind;
  readonly relay?: string;
  readonly status?: number;
  readonly requestId?: string;
  readonly code?: string;
  readonly relayMessage?: string;
  readonly param?: string;

  constructor(kind: ErrorKind, message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.kind = kind;
    this.relay = context.relay;
    this.status = context.status;
    this.requestId = context.requestId;
    this.code = context.code;
    this.relayMessage = context.relayMessage;
    this.param = context.param;
  }

  /** Whether the relay may have billed this attempt (only a timeout or a cut connection). */
  get possiblyBilled(): boolean {
    return this.kind === 'timeout';
  }
}

/** The option each refusal is about, as the user typed it (`image` for every input image or file). */
const REFUSAL_PARAM: Record<RefusalCode, string> = {
  prompt_empty: 'prompt',
  prompt_too_long: 'prompt',
  n_out_of_range: 'n',
  n_too_many: 'n',
  quality_unknown: 'quality',
  style_unknown: 'style',
  steps_out_of_range: 'steps',
  guidance_out_of_range: 'guidance',
  seed_out_of_range: 'seed',
  safety_tolerance_not_a_number: 'safety_tolerance',
  size_not_a_size: 'size',
  size_zero_side: 'size',
  size_shape_too_far: 'size',
  model_not_offered: 'model',
  model_not_served: 'model',
  no_relay_for_model: 'model',
  image_not_taken: 'image',
  too_many_images: 'image',
  mask_needs_gpt: 'image',
  mask_not_transparent_png: 'image',
  image_too_large: 'image',
  image_not_an_image: 'image',
  image_unreadable: 'image',
  image_too_many_pixels: 'image',
  image_not_on_discord: 'image',
  image_link_expired: 'image',
  image_download_timeout: 'image',
  image_download_failed: 'image',
  image_file_missing: 'image',
  image_file_unreadable: 'image',
  image_not_a_file: 'image',
};

/** A refusal's arguments: a code and its own params (checked together), then an optional cause. */
type RefusalArgs = { [C in RefusalCode]: [code: C, params: RefusalParams[C], context?: { cause?: unknown }] }[RefusalCode];

/** Local validation failed: nothing was sent or spent. The words are i18n/refusalMessages.ts's. */
export class InvalidInputError extends ImagineError {
  declare readonly code: RefusalCode;
  readonly params: RefusalParams[RefusalCode];

  constructor(...[code, params, context]: RefusalArgs) {
    super('invalid_input', refusalWording({ code, params } as Refusal).text.en, { ...context, code, param: REFUSAL_PARAM[code] });
    this.params = params;
  }

  /** The refusal as data, code and params together. */
  get refusal(): Refusal {
    return { code: this.code, params: this.params } as Refusal;
  }

  /** The detail in every language the bot speaks ("flux-2-pro cannot …" / "flux-2-pro 无法…"). */
  get text(): Localized {
    return refusalWording(this.refusal).text;
  }

  /** What would be accepted, for the message (a list of values reads the same in both languages). */
  get valid(): Localized | undefined {
    return refusalWording(this.refusal).valid;
  }
}

export function isImagineError(error: unknown): error is ImagineError {
  return error instanceof ImagineError;
}
