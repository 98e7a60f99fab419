// Midjourney users type parameters into the prompt: `a fox --ar 16:9 --seed 42 --q high`.
// They are taken out of the prompt before it is sent, and fill options the user did not set.
// Everything else in the prompt is kept as typed, line breaks and indentation included: FLUX reads
// structured JSON prompts and hex colours, so only the spaces left where a parameter was are tidied.
import type { OutputFormat } from '../catalog/types.js';
import type { ImageRequest } from '../providers/types.js';

type ParameterField = 'size' | 'seed' | 'quality' | 'model' | 'safetyTolerance' | 'n' | 'promptUpsampling' | 'outputFormat' | 'steps' | 'guidance' | 'style';

export interface InlineParameters {
  prompt: string;
  found: Partial<Pick<ImageRequest, ParameterField>>;
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
  upsample: 'promptUpsampling',
  'prompt-upsampling': 'promptUpsampling',
  prompt_upsampling: 'promptUpsampling',
  format: 'outputFormat',
  'output-format': 'outputFormat',
  output_format: 'outputFormat',
  steps: 'steps',
  guidance: 'guidance',
  style: 'style',
};

/** `--png`-like values: png, jpeg (or jpg), webp, any case; undefined for anything else. */
export function parseOutputFormat(value: string): OutputFormat | undefined {
  const format = value.trim().toLowerCase();
  if (format === 'jpg') return 'jpeg';
  return format === 'png' || format === 'jpeg' || format === 'webp' ? format : undefined;
}

/** dall-e-3's styles. Midjourney's `--style raw` (and its other styles) are not these. */
export const STYLES = ['vivid', 'natural'] as const;

export function parseStyle(value: string): (typeof STYLES)[number] | undefined {
  const style = value.trim().toLowerCase();
  return (STYLES as readonly string[]).includes(style) ? (style as (typeof STYLES)[number]) : undefined;
}

/** A decimal such as `4.5`, `7` or `.5`; undefined for anything else (no sign, no exponent). */
export function parseDecimal(value: string): number | undefined {
  return /^(?:\d+(?:\.\d*)?|\.\d+)$/.test(value.trim()) ? Number(value) : undefined;
}

/** Parameters that are switches: `--upsample` alone means on. */
const FLAG_NAMES = Object.keys(ALIASES).filter((name) => ALIASES[name] === 'promptUpsampling');

// `--name value` or `—name value` (phones turn -- into an em dash, some into an en dash; Chinese
// input methods give `——`), value up to the next space or comma, on the same line. It may follow a
// space, the start, or directly a CJK character (Chinese prompts often have no space before `--ar`).
// A switch (`--upsample`) takes no value: the word after it is the prompt's, except a plain
// true/false (or on/off where nothing but another parameter or the end of the line follows, since
// `--upsample on a hill` is about a hill).
const CJK = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}\\u3000-\\u303f\\uff00-\\uffef';
const DASHES = '(?:--|——|—|–)';
/** Between a name and its value: spaces (not a line break) or `=`. */
const SEPARATOR = '(?:[^\\S\\r\\n]|=)+';
const END = '(?=[\\s,;，；]|$)';
const SWITCH_VALUE = `true|false|(?:on|off)(?=[^\\S\\r\\n]*(?:$|[\\r\\n,;，；]|${DASHES}[a-z]))`;
const PARAMETER = new RegExp(
  `(^|\\s|(?<=[${CJK}]))${DASHES}` +
    `(?:(${FLAG_NAMES.join('|')})(?:${SEPARATOR}(${SWITCH_VALUE}))?${END}` +
    `|([a-z_-]+)(?:${SEPARATOR}([^\\s,;，；-][^\\s,;，；]*))?${END})`,
  'giu',
);

/** Whitespace within a line (spaces, tabs, the ideographic space), not line breaks. */
const H_SPACE = '[^\\S\\r\\n]';

/** The value of a field from its text; undefined when the text is not a valid value for it. */
function readValue(field: Field, value: string): InlineParameters['found'][Field] | undefined {
  switch (field) {
    case 'seed':
    case 'safetyTolerance':
    case 'n':
    case 'steps':
      return /^\d+$/.test(value) ? Number(value) : undefined;
    case 'guidance':
      return parseDecimal(value);
    case 'outputFormat':
      return parseOutputFormat(value);
    case 'style':
      return parseStyle(value);
    case 'promptUpsampling':
      // Reached only with `=` and a word that is no switch value (`--upsample=maybe`).
      return undefined;
    default:
      return value;
  }
}

/** A character that is in no prompt, to mark where parameters were taken out. */
function unusedMarker(text: string): string {
  for (let code = 0xe000; ; code += 1) {
    const marker = String.fromCharCode(code);
    if (!text.includes(marker)) return marker;
  }
}

export function extractInlineParameters(text: string): InlineParameters {
  const found: InlineParameters['found'] = {};
  const unknown: string[] = [];
  const marker = unusedMarker(text);
  const marked = text.replace(
    PARAMETER,
    (whole, lead: string, switchName: string | undefined, switchValue: string | undefined, rawName: string | undefined, value: string | undefined) => {
      if (switchName !== undefined) {
        found.promptUpsampling = !/^(?:false|off)$/i.test(switchValue ?? '');
        return lead + marker;
      }
      const name = rawName as string;
      const field = ALIASES[name.toLowerCase()];
      if (!field || value === undefined) {
        unknown.push(`--${name}`);
        return whole;
      }
      const parsed = readValue(field, value);
      if (parsed === undefined) {
        unknown.push(`--${name} ${value}`);
        return whole;
      }
      (found as Record<string, unknown>)[field] = parsed;
      return lead + marker;
    },
  );
  return { prompt: tidy(marked, marker).trim(), found, unknown };
}

/**
 * Removes the markers with the spaces around them, and nothing else: line breaks and indentation
 * stay. Mid-line, the spaces on both sides become one (`a --seed 4 fox` → `a fox`); before a comma
 * or a line end, none (`a fox --ar 16:9, cinematic` → `a fox, cinematic`); at a line's start the
 * indentation stays; a line that held only parameters goes away with its line break.
 */
function tidy(marked: string, marker: string): string {
  const cluster = new RegExp(`(${H_SPACE}*)${marker}(?:${H_SPACE}*${marker})*(${H_SPACE}*)(\\r?\\n)?`, 'gu');
  return marked.replace(cluster, (whole, before: string, after: string, lineBreak: string | undefined, offset: number, all: string) => {
    const previous = all[offset - 1];
    const next = all[offset + whole.length];
    const atLineStart = previous === undefined || previous === '\n';
    const atLineEnd = lineBreak !== undefined || next === undefined || next === '\r' || next === '\n';
    if (atLineEnd) return atLineStart ? '' : (lineBreak ?? '');
    if (atLineStart) return before;
    if (/[,;，；]/.test(next)) return '';
    return before || after ? ' ' : '';
  });
}
