// Midjourney users type parameters into the prompt: `a fox --ar 16:9 --seed 42 --q high`.
// They are taken out of the prompt before it is sent, and fill options the user did not set.
import type { ImageRequest } from '../providers/types.js';

export interface InlineParameters {
  prompt: string;
  found: Partial<Pick<ImageRequest, 'size' | 'seed' | 'quality' | 'model' | 'safetyTolerance' | 'n'>>;
  /** `--something` the parser did not recognise; left in the prompt and reported. */
  unknown: string[];
}

type Field = keyof InlineParameters['found'];

const ALIASES: Record<string, Field> = {
  ar: 'size',
  aspect: 'size',
  size: 'size',
  seed: 'seed',
  sameseed: 'seed',
  q: 'quality',
  quality: 'quality',
  model: 'model',
  m: 'model',
  safety: 'safetyTolerance',
  'safety-tolerance': 'safetyTolerance',
  safety_tolerance: 'safetyTolerance',
  n: 'n',
};

// `--name value` or `—name value` (phones turn -- into an em dash, some into an en dash; Chinese
// input methods give `——`), value up to the next space or comma. It may follow a space, the start,
// or directly a CJK character (Chinese prompts often have no space before `--ar`).
const CJK = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}\\u3000-\\u303f\\uff00-\\uffef';
const PARAMETER = new RegExp(
  `(^|\\s|(?<=[${CJK}]))(?:--|——|—|–)([a-z_-]+)(?:[\\s=]+([^\\s,;，；-][^\\s,;，；]*))?(?=[\\s,;，；]|$)`,
  'giu',
);
/** Punctuation that may directly follow a parameter's value: `--ar 16:9, cinematic`. */
const TRAILING_PUNCTUATION = /^[,;，；]/;

export function extractInlineParameters(text: string): InlineParameters {
  const found: InlineParameters['found'] = {};
  const unknown: string[] = [];
  const prompt = text.replace(PARAMETER, (whole, lead: string, rawName: string, value: string | undefined, offset: number, all: string) => {
    const field = ALIASES[rawName.toLowerCase()];
    if (!field || value === undefined) {
      unknown.push(`--${rawName}`);
      return whole;
    }
    if (field === 'seed' || field === 'safetyTolerance' || field === 'n') {
      if (!/^\d+$/.test(value)) {
        unknown.push(`--${rawName} ${value}`);
        return whole;
      }
      found[field] = Number(value);
    } else {
      found[field] = value;
    }
    // `a fox --ar 16:9, cinematic` becomes `a fox, cinematic`, not `a fox , cinematic`.
    return TRAILING_PUNCTUATION.test(all.slice(offset + whole.length)) ? '' : lead;
  });
  return { prompt: prompt.replace(/\s{2,}/g, ' ').trim(), found, unknown };
}
