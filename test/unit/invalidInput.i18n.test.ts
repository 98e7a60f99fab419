// Local refusals (InvalidInputError) read fully in the user's language: every throw site gives a code
// and params, i18n/refusalMessages.ts words the detail in English and Simplified Chinese, and
// explainError frames it, with the valid list and the "nothing was charged" ending, in one language only.
import { describe, expect, it } from 'vitest';
import { CATALOG, findModel } from '../../src/catalog/models.js';
import { mapSize } from '../../src/catalog/sizes.js';
import type { ModelSpec } from '../../src/catalog/types.js';
import type { RelayConfig } from '../../src/config/relay.js';
import { explainError } from '../../src/i18n/errorMessages.js';
import type { Localized } from '../../src/i18n/locale.js';
import { refusalWording } from '../../src/i18n/refusalMessages.js';
import { ImagePipeline, type PipelineConfig } from '../../src/pipeline/imagePipeline.js';
import { planRequest } from '../../src/providers/dialects/index.js';
import { ImagineError, InvalidInputError } from '../../src/providers/errors.js';
import { RelayRouter } from '../../src/providers/router.js';
import type { DialectOptions, ImageRequest } from '../../src/providers/types.js';

function model(id: string): ModelSpec {
  const spec = findModel(id);
  if (!spec) throw new Error(`no catalog model ${id}`);
  return spec;
}

function caught(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

async function rejected(run: () => Promise<unknown>): Promise<InvalidInputError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const loose: DialectOptions = { strictAspectRatios: false };

function refusal(id: string, request: Partial<ImageRequest>, options: DialectOptions = loose): InvalidInputError {
  return caught(() => planRequest({ prompt: 'a lighthouse at dusk', model: id, ...request }, model(id), options));
}

function relay(name: string, models: RelayConfig['models']): RelayConfig {
  return {
    name,
    baseUrl: 'http://127.0.0.1:9/v1',
    apiKey: 'sk-test',
    models,
    priority: 0,
    strictAspectRatios: false,
    streaming: false,
    prices: {},
    maxConcurrency: 1,
  };
}

/** Offers gpt-image-2 and flux-2-pro; only gpt-image-2 has a relay. */
function pipeline(): ImagePipeline {
  const offered = [model('gpt-image-2'), model('flux-2-pro')];
  const config: PipelineConfig = {
    relays: [relay('only-gpt', ['gpt-image-2'])],
    knownModels: [],
    offeredModels: offered,
    defaultModel: model('gpt-image-2'),
    env: { defaultSize: '1024x1024', defaultN: 1, requestTimeoutMs: 1_000 },
  };
  return new ImagePipeline(config);
}

const CJK = /[\u4e00-\u9fff]/;
const MODEL_IDS = CATALOG.map((spec) => spec.id).sort((a, b) => b.length - a.length);

/**
 * The Latin words left once model names, the values the user typed and the option names a refusal
 * may name are taken out: units and the literal `auto` only. A leaked English sentence shows here.
 */
function leftoverEnglish(zh: string, allowed: readonly string[] = []): string[] {
  let rest = zh;
  for (const token of [...allowed, ...MODEL_IDS, 'safety_tolerance', 'steps', 'guidance']) rest = rest.split(token).join(' ');
  return (rest.match(/[A-Za-z]{2,}/g) ?? []).filter((word) => !['MP', 'auto'].includes(word));
}

/** Four or more ASCII words in a row, names and values aside: an English sentence. */
const ENGLISH_RUN = /[A-Za-z]+(?:[\s,.;:'"()-]+[A-Za-z]+){3,}/;

function expectChinese(zh: string, allowed: readonly string[] = []): void {
  expect(zh).toMatch(CJK);
  let withoutNames = zh;
  for (const name of [...allowed, ...MODEL_IDS]) withoutNames = withoutNames.split(name).join(' ');
  expect(withoutNames).not.toMatch(ENGLISH_RUN);
  expect(leftoverEnglish(zh, allowed)).toEqual([]);
}

function expectEnglish(en: string): void {
  expect(en).not.toMatch(CJK);
  expect(en).toMatch(/ Nothing was charged\.$/);
}

interface Case {
  what: string;
  error: () => InvalidInputError | Promise<InvalidInputError>;
  param: string;
  /** The English detail, exactly as before (it is also `message`, for logs). */
  en: string;
  /** What the Chinese detail must say (the numbers and names it carries). */
  zh: RegExp;
  /** Latin words the user typed (quoted back) or may type (option values in the valid list). */
  typed?: string[];
}

const cases: Case[] = [
  {
    what: 'an unknown model',
    error: () => caught(() => pipeline().resolveModel('dall-e-9')),
    param: 'model',
    en: 'Model "dall-e-9" is not offered here.',
    zh: /^此服务器未提供模型 “dall-e-9”。$/,
    typed: ['dall-e-9'],
  },
  {
    what: 'a model no relay serves (pipeline)',
    error: () => caught(() => pipeline().prepare({ prompt: 'a fox', model: 'flux-2-pro' })),
    param: 'model',
    en: 'No relay is configured to serve flux-2-pro.',
    zh: /flux-2-pro.*中转/,
  },
  {
    what: 'a model no relay serves (router)',
    error: () => rejected(() => new RelayRouter([relay('gpt', ['gpt-image-2'])]).generate('flux-2-pro', () => { throw new Error('unreachable'); }, { timeoutMs: 1_000 })),
    param: 'model',
    en: 'No relay is configured for model flux-2-pro',
    zh: /flux-2-pro.*中转/,
  },
  {
    what: 'a shape far outside what a pixel model can produce',
    error: () => caught(() => mapSize(model('flux-2-pro'), '50:1')),
    param: 'size',
    en: 'The shape 50:1 is too far outside what flux-2-pro can produce.',
    zh: /^flux-2-pro 无法生成 50:1 这样的比例。$/,
  },
  {
    what: 'a shape far outside what a ratio model can produce',
    error: () => caught(() => mapSize(model('flux-kontext-pro'), '4000x500')),
    param: 'size',
    en: 'The shape 4000x500 is too far outside what flux-kontext-pro can produce.',
    zh: /flux-kontext-pro 无法生成 4000x500/,
  },
  {
    what: 'a shape far outside the fixed sizes',
    error: () => caught(() => mapSize(model('dall-e-3'), '1:4')),
    param: 'size',
    en: 'The shape 1:4 is too far outside what dall-e-3 can produce.',
    zh: /dall-e-3 无法生成 1:4/,
  },
  {
    what: 'text that is not a size',
    error: () => caught(() => mapSize(model('gpt-image-2'), 'huge')),
    param: 'size',
    en: '"huge" is not a size: use WxH such as 1024x1536, or an aspect ratio such as 16:9.',
    zh: /“huge”.*1024x1536.*16:9/,
    typed: ['huge'],
  },
  {
    what: 'a size with a zero side',
    error: () => caught(() => mapSize(model('flux-2-pro'), '1024x0')),
    param: 'size',
    en: '"1024x0" has a zero side, so flux-2-pro cannot produce it.',
    zh: /“1024x0”.*0.*flux-2-pro/,
  },
  {
    what: 'an empty prompt',
    error: () => refusal('gpt-image-2', { prompt: '   ' }),
    param: 'prompt',
    en: 'The prompt is empty.',
    zh: /^提示词为空。$/,
  },
  {
    what: 'an over-long prompt',
    error: () => refusal('dall-e-3', { prompt: 'x'.repeat(4_500) }),
    param: 'prompt',
    en: 'The prompt is 4500 characters long; dall-e-3 here takes at most 4000.',
    zh: /^提示词共 4500 个字符,dall-e-3 在这里最多接受 4000 个。$/,
  },
  {
    what: 'a count below 1',
    error: () => refusal('gpt-image-1', { n: 0 }),
    param: 'n',
    en: 'The number of images must be a whole number from 1-10.',
    zh: /^图片数量必须是 1 到 10 之间的整数。$/,
  },
  {
    what: 'a count below 1 on a one-image model',
    error: () => refusal('flux-2-pro', { n: 0 }),
    param: 'n',
    en: 'The number of images must be a whole number from 1.',
    zh: /flux-2-pro 每次只能生成 1 张/,
  },
  {
    what: 'more images than the model makes',
    error: () => refusal('flux-2-pro', { n: 4 }),
    param: 'n',
    en: 'flux-2-pro makes at most 1 image per request.',
    zh: /^flux-2-pro 每次最多生成 1 张图片。$/,
  },
  {
    what: 'a quality the model does not offer',
    error: () => refusal('gpt-image-1', { quality: 'ultra' }),
    param: 'quality',
    en: '"ultra" is not a quality gpt-image-1 offers.',
    zh: /gpt-image-1.*“ultra”.*质量/,
    // The user's word, and the quality values offered (what they would type).
    typed: ['ultra', 'low', 'medium', 'high'],
  },
  {
    what: 'steps out of range',
    error: () => refusal('flux-2-flex', { steps: 51 }),
    param: 'steps',
    en: 'steps for flux-2-flex must be a whole number from 1 to 50.',
    zh: /^flux-2-flex 的步数\(steps\)必须是 1 到 50 之间的整数。$/,
  },
  {
    what: 'guidance out of range',
    error: () => refusal('flux-2-flex', { guidance: 11 }),
    param: 'guidance',
    en: 'guidance for flux-2-flex must be a number from 1.5 to 10.',
    zh: /^flux-2-flex 的引导强度\(guidance\)必须是 1.5 到 10 之间的数值。$/,
  },
  {
    what: 'a seed out of range',
    error: () => refusal('flux-2-pro', { seed: -1 }),
    param: 'seed',
    en: 'The seed must be a whole number from 0 to 4294967295.',
    zh: /^种子必须是 0 到 4294967295 之间的整数。$/,
  },
  {
    what: 'a safety tolerance that is not a number',
    error: () => refusal('flux-2-pro', { safetyTolerance: Number.NaN }),
    param: 'safety_tolerance',
    en: 'safety_tolerance must be a number.',
    zh: /安全容忍度.*数字/,
  },
];

describe('every local refusal is in both languages', () => {
  it.each(cases)('$what', async ({ error: make, param, en, zh, typed }) => {
    const error = await make();
    expect(error.param).toBe(param);
    // A refusal is data: its code and params give the words, in one place (i18n/refusalMessages.ts).
    expect(error.code).toBe(error.refusal.code);
    expect(refusalWording(error.refusal)).toEqual({ text: error.text, ...(error.valid ? { valid: error.valid } : {}) });
    // The English detail is what it was, and stays the message for logs.
    expect(error.message).toBe(en);
    expect(error.text).toBeDefined();
    const text = error.text as Localized;
    expect(text.en).toBe(en);
    expect(text.zh).toMatch(zh);
    expectChinese(text.zh, typed);
    if (error.valid) expectChinese(`可用:${error.valid.zh}`, typed);

    const shown = explainError(error);
    expectEnglish(shown.en);
    expect(shown.en.startsWith(en)).toBe(true);
    if (error.valid?.en) expect(shown.en).toContain(` Valid: ${error.valid.en}.`);
    expect(shown.zh).toContain(text.zh);
    expect(shown.zh).toMatch(/无效:/);
    expect(shown.zh).toMatch(/未产生任何费用。$/);
    expect(shown.zh).not.toContain('Nothing was charged');
    expect(shown.zh).not.toContain('Valid');
    if (error.valid?.zh) expect(shown.zh).toContain(`可用:${error.valid.zh}。`);
    expectChinese(shown.zh, typed);
    // The operator (CLI) reads the same words.
    expect(explainError(error, 'operator')).toEqual(shown);
  });
});

describe('the valid list', () => {
  it('reads in Chinese when it is prose, and as the values when it is a list', () => {
    const pixels = caught(() => mapSize(model('gpt-image-2'), '10:1'));
    expect(pixels.valid?.en).toMatch(/^WxH with sides .* or auto$/);
    expect(pixels.valid?.zh).toMatch(/^宽x高,边长 \d+-\d+\(16 的倍数\),总像素 .*MP,长宽比不超过 3:1.*;或 auto$/);

    const ratio = caught(() => mapSize(model('flux-kontext-pro'), '50:1'));
    expect(ratio.valid?.en).toBe('an aspect ratio from 3:7 to 7:3 (e.g. 1:1, 16:9, 9:16, 21:9), or WxH which becomes its ratio');
    expect(ratio.valid?.zh).toBe('3:7 到 7:3 之间的宽高比(如 1:1、16:9、9:16、21:9),或 宽x高(按其比例换算)');

    const fixed = caught(() => mapSize(model('gpt-image-1'), 'big'));
    expect(fixed.valid).toEqual({ en: '1024x1024, 1024x1536, 1536x1024, auto', zh: '1024x1024, 1024x1536, 1536x1024, auto' });

    const prompt = refusal('gpt-image-2', { prompt: '' });
    expect(prompt.valid?.en).toMatch(/^text of 1 to \d+ characters$/);
    expect(prompt.valid?.zh).toMatch(/^1 到 \d+ 个字符的文字$/);
  });

  it('is shown in full for a zh-CN user, as in the reported message', () => {
    const shown = explainError(caught(() => mapSize(model('flux-2-pro'), '50:1')));
    expect(shown.zh).toBe(
      '尺寸无效:flux-2-pro 无法生成 50:1 这样的比例。' +
        '可用:宽x高,边长 256-2048(16 的倍数),总像素不超过 4.2MP,长宽比不超过 8:1(如 1024x1024、1024x1536);或 16:9 这样的宽高比。' +
        '未产生任何费用。',
    );
    expect(shown.en).toBe(
      'The shape 50:1 is too far outside what flux-2-pro can produce. ' +
        'Valid: WxH with sides 256-2048 (multiples of 16), up to 4.2MP, at most 8:1 (e.g. 1024x1024, 1024x1536), a ratio such as 16:9. ' +
        'Nothing was charged.',
    );
  });
});

describe('a refusal without Chinese text', () => {
  // Every InvalidInputError has a code, and so its words; this is an invalid_input error of another shape.
  it('names the option in Chinese rather than show the English sentence', () => {
    const error = Object.assign(new ImagineError('invalid_input', 'prompt too long for this relay', { param: 'prompt' }), {
      valid: { en: '1-1000', zh: '1-1000' },
    });
    const shown = explainError(error);
    expect(shown.en).toBe('prompt too long for this relay Valid: 1-1000. Nothing was charged.');
    expect(shown.zh).toBe('提示词无效。可用:1-1000。未产生任何费用。');
    expect(shown.zh).not.toContain('prompt too long');
  });
});
