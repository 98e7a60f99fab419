// Relay profiles: the body the bot builds for each seed relay, per model family, and what it refuses
// before anything is spent. Each expectation names the seed line it follows (../shared/seeds/).
import { describe, expect, it } from 'vitest';
import { findModel } from '../../src/catalog/models.js';
import type { ModelSpec } from '../../src/catalog/types.js';
import { loadConfig } from '../../src/config/index.js';
import { OMITTED, planRequest } from '../../src/providers/dialects/index.js';
import { InvalidInputError } from '../../src/providers/errors.js';
import { profileForBaseUrl, relayModel, type ProfileName } from '../../src/providers/profiles/index.js';
import type { ImageRequest, InputImage } from '../../src/providers/types.js';

function model(id: string): ModelSpec {
  const spec = findModel(id);
  if (!spec) throw new Error(`no model ${id}`);
  return spec;
}

function plan(profile: ProfileName, id: string, request: Partial<ImageRequest> = {}) {
  return planRequest({ prompt: 'a lighthouse at dusk', model: id, ...request }, model(id), { strictAspectRatios: false, profile });
}

function refusal(profile: ProfileName, id: string, request: Partial<ImageRequest>): InvalidInputError {
  try {
    plan(profile, id, request);
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const PNG_1X1 = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
function input(name: string): InputImage {
  return { bytes: PNG_1X1, mime: 'image/png', width: 1, height: 1, name, parts: 1, sources: [], toJSON: () => ({ name, parts: 1, sources: [] }) };
}

describe('picking a profile', () => {
  it.each([
    ['https://image.fluapi.com/v1', 'flu'], // 000: "Base URL https://image.fluapi.com/v1"
    ['https://api.apiyi.com/v1', 'apiyi'], // 001: curl --url https://api.apiyi.com/v1/images/generations
    ['https://vip.apiyi.com/v1', 'apiyi'], // APIYI: "api.apiyi.com 替换为 b.apiyi.com / vip.apiyi.com"
    ['https://api.quickrouter.ai/v1', 'quickrouter'], // 003
    ['https://www.anyapi.vip/v1', 'anyapi'], // 004: servers url https://www.anyapi.vip
    ['https://relay.example.com/v1', 'new-api'],
    ['http://127.0.0.1:3000/v1', 'new-api'],
    ['https://notapiyi.com/v1', 'new-api'],
  ] as const)('%s → %s', (url, profile) => {
    expect(profileForBaseUrl(url)).toBe(profile);
  });

  it('takes IMAGE_API_PROFILE over the host, and refuses an unknown one naming the valid ones', () => {
    const env = { IMAGE_API_BASE_URL: 'https://api.apiyi.com/v1', IMAGE_API_KEY: 'k' };
    expect(loadConfig({ processEnv: env, envFile: '/nonexistent' }).relays[0]?.profile).toBe('apiyi');
    expect(loadConfig({ processEnv: { ...env, IMAGE_API_PROFILE: 'QuickRouter' }, envFile: '/nonexistent' }).relays[0]?.profile).toBe('quickrouter');
    expect(() => loadConfig({ processEnv: { ...env, IMAGE_API_PROFILE: 'openai' }, envFile: '/nonexistent' })).toThrow(
      /IMAGE_API_PROFILE must be one of new-api, flu, apiyi, quickrouter, anyapi/,
    );
  });
});

describe('stable parameters first (every profile)', () => {
  it('sends Flu the documented body and nothing at its default', () => {
    // 000 "高清人物竖图": {model, prompt, size: 1024x1536, quality: high, n: 1}.
    expect(plan('flu', 'gpt-image-2', { size: '1024x1536', quality: 'high', safetyTolerance: 2 }).body).toEqual({
      model: 'gpt-image-2',
      prompt: 'a lighthouse at dusk',
      size: '1024x1536',
      quality: 'high',
      n: 1,
    });
    // 000 "稳定测试": {model, prompt, size, n}; quality auto and moderation auto are the defaults.
    expect(plan('flu', 'gpt-image-2', { quality: 'auto', safetyTolerance: 0, outputFormat: 'png' }).body).toEqual({
      model: 'gpt-image-2',
      prompt: 'a lighthouse at dusk',
      size: '1024x1024',
      n: 1,
    });
  });
});

describe('QuickRouter and AnyAPI: FLUX in "OpenAI dall-e-3 format" (003, 004)', () => {
  it.each(['quickrouter', 'anyapi'] as const)('%s: sends the nearest of the nine ratios, never a size, and says so', (profile) => {
    // 003: "aspect_ratio string 必需 … 21:9, 16:9, 4:3, 3:2, 1:1, 2:3, 3:4, 9:16, 9:21";
    // "size … 必须是256x256、512x512或 1024x1024之一": a 1920x1080 picture cannot be asked for by size.
    const planned = plan(profile, 'flux-2-pro', { size: '1920x1080' });
    expect(planned.body).toEqual({ model: 'flux-2-pro', prompt: 'a lighthouse at dusk', n: 1, aspect_ratio: '16:9' });
    expect(planned.effectiveSize).toBe('16:9');
    expect(planned.adjustments).toEqual([{ field: 'size', from: '1920x1080', to: '16:9' }]);
    expect(plan(profile, 'flux-kontext-pro', { size: '5:4' }).body.aspect_ratio).toBe('4:3');
    expect(plan(profile, 'flux-1').body).toEqual({ model: 'flux-1', prompt: 'a lighthouse at dusk', n: 1, aspect_ratio: '1:1' });
  });

  it('refuses a prompt over 1000 characters before anything is sent, naming the limit', () => {
    // 003: "所需图像的文本描述。最大长度为 1000 个字符。"
    const error = refusal('quickrouter', 'flux-2-pro', { prompt: 'x'.repeat(1500) });
    expect(error.param).toBe('prompt');
    expect(error.text?.en).toMatch(/1500 characters long; flux-2-pro here takes at most 1000/);
    expect(error.text?.zh).toMatch(/最多接受 1000 个/);
    expect(plan('quickrouter', 'flux-2-pro', { prompt: 'x'.repeat(1000) }).body.prompt).toHaveLength(1000);
  });

  it('sends no field the page does not list (seed, safety_tolerance, output_format) and reports each as dropped', () => {
    const planned = plan('anyapi', 'flux-2-pro', { seed: 7, safetyTolerance: 4, outputFormat: 'png', promptUpsampling: true });
    expect(Object.keys(planned.body).sort()).toEqual(['aspect_ratio', 'model', 'n', 'prompt']);
    expect(planned.adjustments).toEqual([
      { field: 'seed', from: '7', to: OMITTED },
      { field: 'safetyTolerance', from: '4', to: OMITTED },
      { field: 'outputFormat', from: 'png', to: 'jpeg' },
      { field: 'promptUpsampling', from: 'true', to: OMITTED },
    ]);
  });

  it('takes n from 1 to 10 for FLUX there (003: "必须介于 1 和 10 之间")', () => {
    expect(plan('quickrouter', 'flux-2-pro', { n: 4 }).body.n).toBe(4);
    expect(refusal('quickrouter', 'flux-2-pro', { n: 11 }).param).toBe('n');
    expect(relayModel(model('flux-2-pro'), 'quickrouter').spec.maxN).toBe(10);
  });

  it('refuses an input image for FLUX there: the page documents none', () => {
    expect(refusal('quickrouter', 'flux-kontext-pro', { inputImages: [input('a.png')] }).param).toBe('image');
  });

  it('sends dall-e-3 its quality and style (003: "hd … 此参数仅支持dall-e-3", style vivid/natural)', () => {
    expect(plan('quickrouter', 'dall-e-3', { quality: 'hd', style: 'natural' }).body).toEqual({
      model: 'dall-e-3',
      prompt: 'a lighthouse at dusk',
      n: 1,
      size: '1024x1024',
      quality: 'hd',
      style: 'natural',
    });
    expect(plan('quickrouter', 'dall-e-3', { style: 'vivid' }).body).not.toHaveProperty('style');
    expect(refusal('quickrouter', 'dall-e-3', { style: 'raw' }).param).toBe('style');
  });
});

describe('APIYI (001, 002)', () => {
  it('sends FLUX its size alone, never width/height beside it ("与 width/height 二选一")', () => {
    expect(plan('apiyi', 'flux-2-pro', { size: '1536x1024', seed: 42 }).body).toEqual({
      model: 'flux-2-pro',
      prompt: 'a lighthouse at dusk',
      n: 1,
      size: '1536x1024',
      seed: 42,
    });
    // The same request on a generic new-api gateway keeps width/height for one-api pass-through.
    expect(plan('new-api', 'flux-2-pro', { size: '1536x1024' }).body).toMatchObject({ size: '1536x1024', width: 1536, height: 1024 });
  });

  it('allows sides down to 64 px (001: "64 <= x <= 2048") in multiples of 16', () => {
    expect(plan('apiyi', 'flux-2-klein-4b', { size: '64x64' }).body.size).toBe('64x64');
    expect(plan('new-api', 'flux-2-klein-4b', { size: '64x64' }).body.size).toBe('256x256');
  });

  it('keeps flux-pro-1.1 at 1.6 MP (001: "老版 1.6MP") and sizes Ultra by pixels up to 4 MP ("老版 4MP")', () => {
    const pro11 = plan('apiyi', 'flux-pro-1.1', { size: '1440x1440' });
    expect(pro11.body.size).toBe('1248x1248');
    expect(pro11.adjustments[0]).toMatchObject({ field: 'size', from: '1440x1440', to: '1248x1248' });
    const ultra = plan('apiyi', 'flux-pro-1.1-ultra', { size: '2048x2048' });
    expect(ultra.body).toMatchObject({ size: '2048x2048' });
    expect(ultra.body).not.toHaveProperty('aspect_ratio');
  });

  it('sends FLUX input images as data URLs (APIYI edit page: "URL or data:image/...;base64,xxx")', () => {
    const planned = plan('apiyi', 'flux-2-pro', { inputImages: [input('a.png'), input('b.png')] });
    expect(planned.body.input_image).toBe(`data:image/png;base64,${PNG_1X1.toString('base64')}`);
    expect(planned.body.input_image_2).toMatch(/^data:image\/png;base64,/);
    expect(plan('new-api', 'flux-2-pro', { inputImages: [input('a.png')] }).body.input_image).toBe(PNG_1X1.toString('base64'));
  });

  it('sends Kontext its aspect ratio and any documented option (002)', () => {
    expect(plan('apiyi', 'flux-kontext-max', { size: '5:4', seed: 42, safetyTolerance: 6, outputFormat: 'png', promptUpsampling: true }).body).toEqual({
      model: 'flux-kontext-max',
      prompt: 'a lighthouse at dusk',
      n: 1,
      aspect_ratio: '5:4',
      seed: 42,
      safety_tolerance: 6,
      output_format: 'png',
      prompt_upsampling: true,
    });
  });

  it('sends gpt-image-2-all to the conversational endpoint, the size asked for in words', () => {
    // 001, first line: "gpt-image-2-all … 对话式端点"; APIYI: "不接受 size、n、quality … 尺寸请写进 prompt".
    const square = plan('apiyi', 'gpt-image-2-all');
    expect(square.path).toBe('/chat/completions');
    expect(square.body).toEqual({ model: 'gpt-image-2-all', messages: [{ role: 'user', content: 'a lighthouse at dusk' }], stream: false });
    const tall = plan('apiyi', 'gpt-image-2-all', { size: '1024x1536' });
    expect(tall.body.messages).toEqual([{ role: 'user', content: 'a lighthouse at dusk\n\nImage size: 1024x1536 pixels, aspect ratio 2:3.' }]);
    const edit = plan('apiyi', 'gpt-image-2-all', { inputImages: [input('a.png')] });
    expect(edit.body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a lighthouse at dusk' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_1X1.toString('base64')}` } },
        ],
      },
    ]);
    // Elsewhere it stays on the Images API.
    expect(plan('new-api', 'gpt-image-2-all').path).toBe('/images/generations');
  });
});
