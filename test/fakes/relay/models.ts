// The models the fake relay serves, with the per-model limits of shared/RELAYS.md's dialect table.
// This is the relay's view, written independently of src/catalog so tests can catch the bot's
// catalog drifting from what relays actually accept.

export type FakeDialect = 'gpt-image' | 'flux' | 'kontext';

export interface FakeModel {
  id: string;
  dialect: FakeDialect;
  /** For GET /v1/models. */
  ownedBy: string;
  /** The upstream's own prompt cap (a relay may cap lower: RelayFakeOptions.maxPromptChars). */
  maxPromptChars: number;
  /** GPT image: accepted `quality` values. */
  qualities?: readonly string[];
  /** GPT image: fixed `size` values besides `auto`. */
  sizes?: readonly string[];
  /** gpt-image-2: any WxH within bounds besides the fixed sizes. */
  freeSizes?: boolean;
  /** FLUX / Kontext: highest `safety_tolerance`. */
  maxSafetyTolerance?: number;
  /** flux-2-flex: takes `steps` and `guidance`. */
  flexParams?: boolean;
  /** flux-pro-1.1-ultra: takes `raw`. */
  raw?: boolean;
  /**
   * Input images: `input_image` … on FLUX.2 and Kontext generations, files on /images/edits for GPT
   * image models. Absent: none. Kontext reads one image (the APIYI doc), FLUX.2 eight, [klein] four.
   */
  maxInputImages?: number;
  /**
   * gpt-image-2-all, APIYI's ChatGPT-web route: its recommended endpoint is /v1/chat/completions
   * (chat.ts); on /v1/images/generations it answers a URL and knows no streaming.
   */
  chatRoute?: boolean;
}

const GPT_SIZES = ['1024x1024', '1024x1536', '1536x1024'] as const;
const GPT_QUALITIES = ['low', 'medium', 'high', 'auto'] as const;

function gpt(id: string, extra: Partial<FakeModel> = {}): FakeModel {
  return {
    id,
    dialect: 'gpt-image',
    ownedBy: 'openai',
    maxPromptChars: 32_000,
    qualities: GPT_QUALITIES,
    sizes: GPT_SIZES,
    ...extra,
  };
}

function flux(id: string, maxSafetyTolerance: number, extra: Partial<FakeModel> = {}): FakeModel {
  // FLUX prompts are capped in tokens upstream (32K); the fake only guards against absurd sizes.
  return { id, dialect: 'flux', ownedBy: 'black-forest-labs', maxPromptChars: 100_000, maxSafetyTolerance, ...extra };
}

function kontext(id: string, extra: Partial<FakeModel> = {}): FakeModel {
  return { id, dialect: 'kontext', ownedBy: 'black-forest-labs', maxPromptChars: 100_000, maxSafetyTolerance: 6, ...extra };
}

export const FAKE_MODELS: readonly FakeModel[] = [
  gpt('gpt-image-2', { freeSizes: true, maxInputImages: 16 }),
  gpt('gpt-image-1', { maxInputImages: 16 }),
  gpt('gpt-image-1.5', { maxInputImages: 16 }),
  // 001_…txt line 1: "gpt-image-2-all 已上线 | $0.03/张图,对话式端点" (the conversational endpoint). No
  // quality tiers (a flat price); the fixed sizes are accepted here, APIYI itself refuses them (profiles/apiyi.ts).
  gpt('gpt-image-2-all', { chatRoute: true, qualities: [] }),
  // dall-e-3's real sizes are the 1792 ones; the table's GPT sizes are accepted too, to stay lenient.
  gpt('dall-e-3', {
    maxPromptChars: 4_000,
    qualities: ['standard', 'hd'],
    sizes: [...GPT_SIZES, '1792x1024', '1024x1792'],
  }),
  flux('flux-2-max', 5, { maxInputImages: 8 }),
  flux('flux-2-pro', 5, { maxInputImages: 8 }),
  flux('flux-2-flex', 5, { flexParams: true, maxInputImages: 8 }),
  flux('flux-2-klein-9b', 5, { maxInputImages: 4 }),
  flux('flux-2-klein-4b', 5, { maxInputImages: 4 }),
  flux('flux-pro-1.1', 6),
  flux('flux-pro', 6),
  flux('flux-dev', 6),
  // 003_…txt line 66: the example request's model id; a FLUX.1 model that takes pixel sizes, like flux-pro.
  flux('flux-1', 6),
  kontext('flux-kontext-pro', { maxInputImages: 1 }),
  kontext('flux-kontext-max', { maxInputImages: 1 }),
  kontext('flux-pro-1.1-ultra', { raw: true }),
];

const BY_ID = new Map(FAKE_MODELS.map((model) => [model.id, model]));

export function findModel(id: string): FakeModel | undefined {
  return BY_ID.get(id);
}

/**
 * A chat (text, and with `vision` image) model served on /v1/chat/completions, as relays sell them
 * beside the image models. Limits from OpenAI's model pages (platform.openai.com/docs/models): the
 * most output tokens `max_tokens` may ask for.
 */
export interface FakeChatModel {
  id: string;
  ownedBy: string;
  /** Takes `image_url` content parts. */
  vision: boolean;
  maxOutputTokens: number;
}

export const FAKE_CHAT_MODELS: readonly FakeChatModel[] = [
  { id: 'gpt-4o-mini', ownedBy: 'openai', vision: true, maxOutputTokens: 16_384 },
  { id: 'gpt-4o', ownedBy: 'openai', vision: true, maxOutputTokens: 16_384 },
  { id: 'gpt-4.1-mini', ownedBy: 'openai', vision: true, maxOutputTokens: 32_768 },
  { id: 'gpt-4.1', ownedBy: 'openai', vision: true, maxOutputTokens: 32_768 },
  // Text only: an image part is refused ("image_url is only supported by certain models").
  { id: 'gpt-3.5-turbo', ownedBy: 'openai', vision: false, maxOutputTokens: 4_096 },
];

const CHAT_BY_ID = new Map(FAKE_CHAT_MODELS.map((model) => [model.id, model]));

export function findChatModel(id: string): FakeChatModel | undefined {
  return CHAT_BY_ID.get(id);
}
