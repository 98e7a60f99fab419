// The relay fake's chat models on /v1/chat/completions, exercised through real HTTP: requests checked
// as OpenAI's chat completions reference describes them (platform.openai.com/docs/api-reference/chat/create),
// the fake's own answers (never shaped by the request's instructions), a test's override, and the
// relay's shared errors (key, unknown model, word filter).
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRelayFake, type RelayFake } from './fakes/relay/index.js';
import type { ChatAsk } from './fakes/relay/types.js';

let fake: RelayFake;

beforeAll(async () => {
  fake = await startRelayFake({ latencyMs: 5 });
});

afterEach(() => {
  fake.reset();
  fake.configure({ chatReply: undefined, profile: 'new-api' });
});

afterAll(async () => {
  await fake.close();
});

interface Answer {
  status: number;
  json: any;
}

async function chat(body: unknown, key: string = fake.apiKey): Promise<Answer> {
  const response = await fetch(`${fake.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, json: await response.json() };
}

/** The error of a refused request: its status, code and param. */
async function refusal(body: unknown): Promise<{ status: number; code: unknown; param: unknown; message: string }> {
  const { status, json } = await chat(body);
  return { status, code: json.error?.code, param: json.error?.param, message: String(json.error?.message) };
}

async function pngDataUrl(width: number, height: number, rgb: [number, number, number]): Promise<string> {
  const png = await sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

const user = (content: unknown) => ({ role: 'user', content });

describe('answers', () => {
  it('rewrites a text request into a longer prompt that keeps the user text, as an OpenAI chat.completion', async () => {
    const system = 'Answer in JSON with a field "prompt". Reply in French.';
    const { status, json } = await chat({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: system }, user('a red fox in snow')] });
    expect(status).toBe(200);
    expect(json).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant' }, finish_reason: 'stop' }],
    });
    expect(json.id).toMatch(/^chatcmpl-/);
    const content: string = json.choices[0].message.content;
    expect(content).toContain('a red fox in snow');
    expect(content.length).toBeGreaterThan('a red fox in snow'.length);
    // The instructions do not shape the answer: no JSON, no French.
    expect(() => JSON.parse(content)).toThrow();
    expect(json.usage.total_tokens).toBe(json.usage.prompt_tokens + json.usage.completion_tokens);
  });

  it('describes an image part as four different numbered prompts, from its size and dominant colour', async () => {
    const { status, json } = await chat({
      model: 'gpt-4.1-mini',
      messages: [user([{ type: 'text', text: 'Give me prompts for this.' }, { type: 'image_url', image_url: { url: await pngDataUrl(96, 64, [20, 40, 220]) } }])],
    });
    expect(status).toBe(200);
    const lines: string[] = json.choices[0].message.content.split('\n');
    expect(lines).toHaveLength(4);
    lines.forEach((line, index) => expect(line).toMatch(new RegExp(`^${index + 1}\\. \\S`)));
    expect(new Set(lines.map((line) => line.slice(3))).size).toBe(4);
    expect(lines.every((line) => line.includes('blue'))).toBe(true);
    expect(json.choices[0].message.content).toContain('96x64');
    expect(json.choices[0].message.content).toContain('landscape');
  });

  it('reads an https image link as its grey stand-in (the fake fetches nothing)', async () => {
    const { status, json } = await chat({ model: 'gpt-4o', messages: [user([{ type: 'image_url', image_url: { url: 'https://cdn.example.com/cat.png' } }])] });
    expect(status).toBe(200);
    expect(json.choices[0].message.content).toMatch(/^1\. .*grey/);
  });

  it('cuts the answer at max_tokens with finish_reason length', async () => {
    const { json } = await chat({ model: 'gpt-4o-mini', messages: [user('a lighthouse on a cliff at dusk')], max_tokens: 3 });
    expect(json.choices[0]).toMatchObject({ finish_reason: 'length' });
    expect(json.choices[0].message.content.length).toBeLessThanOrEqual(12);
  });

  it('records every chat request in the request log, with what reached the model', async () => {
    const body = { model: 'gpt-4o-mini', messages: [user('one')], stream: false, temperature: 0.2 };
    await chat(body);
    await chat({ ...body, messages: [user('two')] });
    expect(fake.requests.map((request) => request.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
    expect(fake.requests[0]).toMatchObject({ body, forwardedBody: body });
  });
});

describe('a test sets the answer (chatReply)', () => {
  it('sees the model, the system text, the last user text and the image count, and answers in its words', async () => {
    const asks: ChatAsk[] = [];
    fake.configure({
      chatReply: (asked) => {
        asks.push(asked);
        return 'a forbidden rewrite';
      },
    });
    const image = await pngDataUrl(8, 8, [0, 0, 0]);
    const { json } = await chat({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'Be brief.' },
        user('earlier'),
        { role: 'assistant', content: 'ok' },
        user([{ type: 'text', text: 'now this' }, { type: 'image_url', image_url: { url: image } }]),
      ],
    });
    expect(json.choices[0].message.content).toBe('a forbidden rewrite');
    expect(asks).toEqual([{ model: 'gpt-4o', system: 'Be brief.', text: 'now this', images: 1 }]);
  });

  it('can fail the model with any status and body, passed on with the request id as new-api does', async () => {
    fake.configure({ chatReply: () => ({ status: 500, body: { error: { message: 'upstream overloaded', type: 'server_error', param: null, code: null } } }) });
    const { status, json } = await chat({ model: 'gpt-4o-mini', messages: [user('fox')] });
    expect(status).toBe(500);
    expect(json.error.message).toMatch(/^upstream overloaded \(request id: \S+\)$/);
  });
});

describe('refusals', () => {
  it('refuses messages that break the reference, naming the offending field', async () => {
    const text = { type: 'text', text: 'x' };
    const cases: Array<[unknown, { code: string; param: string }]> = [
      [undefined, { code: 'missing_required_parameter', param: 'messages' }],
      ['hello', { code: 'invalid_type', param: 'messages' }],
      [[], { code: 'empty_array', param: 'messages' }],
      [['hello'], { code: 'invalid_type', param: 'messages[0]' }],
      [[{ content: 'x' }], { code: 'missing_required_parameter', param: 'messages[0].role' }],
      [[{ role: 'robot', content: 'x' }], { code: 'invalid_value', param: 'messages[0].role' }],
      [[{ role: 'user' }], { code: 'missing_required_parameter', param: 'messages[0].content' }],
      [[{ role: 'user', content: 42 }], { code: 'invalid_type', param: 'messages[0].content' }],
      [[{ role: 'user', content: [] }], { code: 'empty_array', param: 'messages[0].content' }],
      [[user([text, { type: 'audio' }])], { code: 'invalid_value', param: 'messages[0].content[1].type' }],
      [[user([{ type: 'text' }])], { code: 'missing_required_parameter', param: 'messages[0].content[0].text' }],
      [[user([{ type: 'image_url', image_url: {} }])], { code: 'missing_required_parameter', param: 'messages[0].content[0].image_url.url' }],
      [[user([{ type: 'image_url', image_url: { url: 'http://example.com/a.png' } }])], { code: 'invalid_image_url', param: 'messages[0].content[0].image_url.url' }],
      [[user([{ type: 'image_url', image_url: { url: 'data:image/png;base64,bm90IGFuIGltYWdl' } }])], { code: 'invalid_image', param: 'messages[0].content[0].image_url.url' }],
      [[{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }, user('x')], { code: 'invalid_value', param: 'messages[0]' }],
    ];
    for (const [messages, expected] of cases) {
      const answer = await refusal({ model: 'gpt-4o-mini', messages });
      expect({ messages, ...answer }).toMatchObject({ messages, status: 400, ...expected });
    }
  });

  it('refuses stream: true (the relays non-streamed route), bad max_tokens and temperature', async () => {
    const messages = [user('fox')];
    expect(await refusal({ model: 'gpt-4o-mini', messages, stream: true })).toMatchObject({ status: 400, param: 'stream', code: 'unsupported_parameter' });
    expect(await refusal({ model: 'gpt-4o-mini', messages, max_tokens: 0 })).toMatchObject({ status: 400, param: 'max_tokens', code: 'integer_below_min_value' });
    expect(await refusal({ model: 'gpt-4o-mini', messages, max_tokens: '100' })).toMatchObject({ status: 400, param: 'max_tokens', code: 'invalid_type' });
    expect(await refusal({ model: 'gpt-4o-mini', messages, max_tokens: 100_000 })).toMatchObject({ status: 400, param: 'max_tokens' });
    expect(await refusal({ model: 'gpt-4o-mini', messages, temperature: 3 })).toMatchObject({ status: 400, param: 'temperature', code: 'decimal_above_max_value' });
  });

  it('a text-only model refuses image parts', async () => {
    const messages = [user([{ type: 'text', text: 'x' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }])];
    const answer = await refusal({ model: 'gpt-3.5-turbo', messages });
    expect(answer).toMatchObject({ status: 400, param: 'messages[0].content[1].type' });
    expect(answer.message).toContain('image_url is only supported by certain models');
  });

  it("an undecodable image is OpenAI's unsupported-image 400, before the model runs", async () => {
    const jpegHeaderOnly = `data:image/jpeg;base64,${Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0, 0]).toString('base64')}`;
    const answer = await refusal({ model: 'gpt-4o-mini', messages: [user([{ type: 'image_url', image_url: { url: jpegHeaderOnly } }])] });
    expect(answer).toMatchObject({ status: 400, code: 'invalid_image_format' });
  });

  it("answers the relay's own errors: a wrong key, an unknown model, an image model, the word filter", async () => {
    const messages = [user('fox')];
    const wrongKey = await chat({ model: 'gpt-4o-mini', messages }, 'sk-not-the-key');
    expect(wrongKey.status).toBe(401);
    expect(await refusal({ model: 'gpt-5-imaginary', messages })).toMatchObject({ status: 503, code: 'model_not_found' });
    expect(await refusal({ model: 'flux-2-pro', messages })).toMatchObject({ status: 400, param: 'model' });
    expect(await refusal({ model: 'gpt-4o-mini', messages: [user('含有敏感词')] })).toMatchObject({ status: 500, code: 'sensitive_words_detected' });
    // APIYI runs no such filter.
    fake.configure({ profile: 'apiyi' });
    expect((await chat({ model: 'gpt-4o-mini', messages: [user('含有敏感词')] })).status).toBe(200);
  });

  it('a queued transport fault replaces the answer, as on every endpoint', async () => {
    fake.failNext({ kind: 'json', status: 429, body: { error: { message: 'slow down', type: 'rate_limit', code: 'rate_limit_exceeded' } } });
    expect((await chat({ model: 'gpt-4o-mini', messages: [user('fox')] })).status).toBe(429);
    expect((await chat({ model: 'gpt-4o-mini', messages: [user('fox')] })).status).toBe(200);
  });
});
