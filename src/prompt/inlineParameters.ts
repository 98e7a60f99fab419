// Midjourney users type parameters into the prompt: `a fox --ar 16:9 --seed 42 --q high`.
// They are taken out of the prompt before it is sent, and fill options the user did not set.
// Everything else in the prompt is kept as typed, line breaks and indentation included: FLUX reads
// structured JSON prompts and hex colours, so only the spaces left where a parameter was are tidied.
// Midjourney-only parameters (`--stylize 250`, `--v 6.1`) are taken out too and listed as ignored:
// sent as prompt text they would only be drawn as letters or confuse the model.
import type { OutputFormat } from '../catalog/types.js';
import type { ImageRequest } from '../providers/types.js';

type ParameterField = 'size' | 'seed' | 'quality' | 'model' | 'safetyTolerance' | 'n' | 'promptUpsampling' | 'outputFormat' | 'steps' | 'guidance' | 'style';

/** What the prompt's parameters asked for. `negative` and `enhance` steer the bot, not the relay: never part of ImageRequest. */
export type FoundParameters = Partial<Pick<ImageRequest, ParameterField>> & {
  /** `--no cars, trees`: what should not be in the image; several `--no` joined with ", ". */
  negative?: string;
  /** `--enhance` (true) or `--raw` (false): whether the chat model rewrites the prompt. */
  enhance?: boolean;
};

export interface InlineParameters {
  prompt: string;
  found: FoundParameters;
  /** `--something` the parser did not recognise; left in the prompt and reported. */
  unknown: string[];
  /** Midjourney-only parameters as typed (`--v 6.1`, `--tile`): taken out of the prompt, never sent. */
  ignored: string[];
}

type Field = ParameterField;

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

/**
 * Midjourney parameters whose value is a number. Only a number is taken as their value, so
 * `--s cat` leaves "cat" in the prompt (and `--s` is reported as unknown).
 */
const MIDJOURNEY_NUMERIC = ['v', 'version', 'stylize', 's', 'chaos', 'c', 'weird', 'w', 'iw', 'repeat', 'r'] as const;
/** Midjourney switches: no value, the next word is the prompt's. */
const MIDJOURNEY_SWITCHES = ['tile', 'relax', 'fast', 'turbo'] as const;
/** `--niji` alone or with its version (`--niji 6`). */
const NIJI = 'niji';
/** Our own switches for the chat model's rewrite: `--enhance` asks for it, `--raw` refuses it. */
const ENHANCE_SWITCHES: Record<string, boolean> = { enhance: true, raw: false };
const NEGATIVE = 'no';

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
// `--upsample on a hill` is about a hill). `--no` is Midjourney's exception: its value is a list
// (`--no cars, trees`) running to the next parameter or the end of the line.
const CJK = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}\\u3000-\\u303f\\uff00-\\uffef';
const DASHES = '(?:--|——|—|–)';
/** Whitespace within a line (spaces, tabs, the ideographic space), not line breaks. */
const H_SPACE = '[^\\S\\r\\n]';
/** Between a name and its value: spaces (not a line break) or `=`. */
const SEPARATOR = `(?:${H_SPACE}|=)+`;
const END = '(?=[\\s,;，；]|$)';
const SWITCH_VALUE = `true|false|(?:on|off)(?=${H_SPACE}*(?:$|[\\r\\n,;，；]|${DASHES}[a-z]))`;
/** Where a `--no` list stops: the line's end, or the next `--parameter` (after a space or a CJK character). */
const NEGATIVE_END = `(?=${H_SPACE}*(?:$|[\\r\\n])|(?:${H_SPACE}+|(?<=[${CJK}]))${DASHES}[a-z])`;
/** A value never starts with a dash (that is the next parameter) or a separator. */
const VALUE_START = '[^\\s,;，；\\-—–]';
/** What may stand before a parameter's dashes: the start, a space, or a CJK character. */
const LEAD = `(?<lead>^|\\s|(?<=[${CJK}]))`;
const PARAMETER = new RegExp(
  `${LEAD}${DASHES}(?:` +
    `(?<flag>${FLAG_NAMES.join('|')})(?:${SEPARATOR}(?<flagValue>${SWITCH_VALUE}))?${END}` +
    `|${NEGATIVE}${SEPARATOR}(?<negative>${VALUE_START}[^\\r\\n]*?)${NEGATIVE_END}` +
    `|(?<niji>${NIJI})(?:${SEPARATOR}(?<nijiVersion>\\d+(?:\\.\\d+)?))?${END}` +
    `|(?<switchName>${[...MIDJOURNEY_SWITCHES, ...Object.keys(ENHANCE_SWITCHES)].join('|')})${END}` +
    `|(?<name>[a-z_-]+)(?:${SEPARATOR}(?<value>${VALUE_START}[^\\s,;，；]*))?${END})`,
  'giu',
);

/** Every parameter name the parser recognises: a shortcut may not take one of them. */
export const KNOWN_PARAMETER_NAMES: readonly string[] = [
  ...Object.keys(ALIASES),
  NEGATIVE,
  NIJI,
  ...MIDJOURNEY_NUMERIC,
  ...MIDJOURNEY_SWITCHES,
  ...Object.keys(ENHANCE_SWITCHES),
];

/**
 * `--name` where the parser would see a parameter (any dash form, after the start, a space or a CJK
 * character, before a space, a comma or the end), for `--shortcut` expansion. Groups: `lead` (what
 * stood before the dashes, to keep) and `name`; `namePattern` is a regex source.
 */
export function parameterNamePattern(namePattern: string): RegExp {
  return new RegExp(`${LEAD}${DASHES}(?<name>${namePattern})${END}`, 'giu');
}

interface ParameterGroups {
  lead: string;
  flag?: string;
  flagValue?: string;
  negative?: string;
  niji?: string;
  nijiVersion?: string;
  switchName?: string;
  name?: string;
  value?: string;
}

/** The value of a field from its text; undefined when the text is not a valid value for it. */
function readValue(field: Field, value: string): FoundParameters[Field] | undefined {
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
  const found: FoundParameters = {};
  const unknown: string[] = [];
  const ignored: string[] = [];
  const negatives: string[] = [];
  const marker = unusedMarker(text);
  const marked = text.replace(PARAMETER, (whole: string, ...rest: unknown[]) => {
    const groups = rest.at(-1) as ParameterGroups;
    const removed = groups.lead + marker;
    if (groups.flag !== undefined) {
      found.promptUpsampling = !/^(?:false|off)$/i.test(groups.flagValue ?? '');
      return removed;
    }
    if (groups.negative !== undefined) {
      // `--no cars, trees.`: the list without the punctuation that closes the sentence.
      const negative = groups.negative.replace(/[\s,;.，；。、]+$/u, '');
      if (!negative) {
        unknown.push(`--${NEGATIVE} ${groups.negative}`);
        return whole;
      }
      negatives.push(negative);
      return removed;
    }
    if (groups.niji !== undefined) {
      ignored.push(groups.nijiVersion === undefined ? `--${groups.niji}` : `--${groups.niji} ${groups.nijiVersion}`);
      return removed;
    }
    if (groups.switchName !== undefined) {
      const enhance = ENHANCE_SWITCHES[groups.switchName.toLowerCase()];
      if (enhance === undefined) ignored.push(`--${groups.switchName}`);
      else found.enhance = enhance;
      return removed;
    }
    const name = groups.name as string;
    const value = groups.value;
    const lowerName = name.toLowerCase();
    if ((MIDJOURNEY_NUMERIC as readonly string[]).includes(lowerName)) {
      // Only a number is their value: `--s cat` is not stylize, and "cat" stays the prompt's.
      if (value === undefined || parseDecimal(value) === undefined) {
        unknown.push(`--${name}`);
        return whole;
      }
      ignored.push(`--${name} ${value}`);
      return removed;
    }
    const field = ALIASES[lowerName];
    if (!field || value === undefined) {
      unknown.push(`--${name}`);
      return whole;
    }
    const parsed = readValue(field, value);
    if (parsed === undefined) {
      // Midjourney's styles (`--style raw`) are not dall-e-3's: recognised, but not sent.
      if (field === 'style') {
        ignored.push(`--${name} ${value}`);
        return removed;
      }
      unknown.push(`--${name} ${value}`);
      return whole;
    }
    (found as Record<string, unknown>)[field] = parsed;
    return removed;
  });
  if (negatives.length) found.negative = negatives.join(', ');
  return { prompt: tidy(marked, marker).trim(), found, unknown, ignored };
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
