// What the bot knows about one image model: enough to validate a request before any money is spent,
// to map a neutral request onto the model's request dialect, and to estimate cost and wait time.

/** The three request dialects of ../shared/RELAYS.md. */
export type Dialect = 'gpt-image' | 'flux' | 'kontext';

export type OutputFormat = 'png' | 'jpeg' | 'webp';

/** How a model accepts its output size. */
export type SizeRule =
  /** A fixed list of `WxH` sizes (gpt-image-1, dall-e-3). `auto` allowed when `auto` is true. */
  | { kind: 'fixed'; sizes: readonly string[]; auto: boolean }
  /** Free `WxH` within bounds, rounded to `step` (gpt-image-2, FLUX.2, FLUX 1.1). */
  | {
      kind: 'pixels';
      step: number;
      minSide: number;
      maxSide: number;
      maxPixels: number;
      /** Smallest width×height the model accepts (gpt-image-2 refuses below about 0.66 MP). */
      minPixels?: number;
      /** Largest long-side/short-side ratio allowed (3 means 1:3..3:1). */
      maxRatio: number;
      /** Sizes offered in menus; any valid size is accepted. */
      presets: readonly string[];
      auto: boolean;
    }
  /** An `aspect_ratio` "W:H" within minRatio..maxRatio (W/H), about 1 MP (Kontext, Ultra). */
  | {
      kind: 'ratio';
      minRatio: number;
      maxRatio: number;
      presets: readonly string[];
      /** Output area in megapixels (of 1024×1024), for showing the pixel size; 1 when absent (Ultra: 4). */
      megapixels?: number;
    };

/**
 * How a model takes input images (edits, remixes, references). Absent: the model draws from text only,
 * and a request with an image is refused before anything is spent.
 */
export interface InputImageRule {
  /** Most input images one request may carry. */
  max: number;
  /**
   * The model reads one image: several are joined side by side into one before sending (the APIYI
   * Kontext doc's two-image recipe, "look at the left image and the right image").
   */
  joined?: boolean;
}

export interface Range {
  min: number;
  max: number;
  default: number;
}

export interface ModelSpec {
  id: string;
  dialect: Dialect;
  /** One line for menus, in both languages. */
  description: { en: string; zh: string };
  sizes: SizeRule;
  /** Allowed `quality` values; absent when the model takes no quality. */
  qualities?: readonly string[];
  /** Allowed `style` values (dall-e-3: vivid, natural); absent when the model takes none. */
  styles?: readonly string[];
  /** `safety_tolerance` range; absent when the model has none (GPT image models use `moderation`). */
  safetyTolerance?: Range;
  /** Whether the model takes OpenAI's `moderation` (`low`/`auto`); dall-e-3 and reverse-engineered routes do not. */
  moderation?: boolean;
  /** Whether the model takes a `seed`. */
  seed: boolean;
  /** flux-2-flex only. */
  steps?: Range;
  guidance?: Range;
  promptUpsampling: boolean;
  outputFormats: readonly OutputFormat[];
  maxN: number;
  maxPromptChars: number;
  /** What the relay answers with. */
  result: 'b64' | 'url';
  /** Estimated USD per image; overridable per relay. */
  pricePerImage: number;
  /** Typical seconds from request to response, for ETAs. */
  typicalSeconds: number;
  /** Input images for edits; absent when the model takes none. */
  inputImages?: InputImageRule;
}
