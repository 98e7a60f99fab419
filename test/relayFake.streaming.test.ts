// The relay fake's streaming behaviour, through real HTTP: previews spaced over the generation time,
// stream faults, a relay that refuses `stream`, and Cloudflare's cut of a request that stays silent.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRelayFake, type RelayFake } from './fakes/relay/index.js';

let fake: RelayFake;

beforeAll(async () => {
  fake = await startRelayFake({ latencyMs: 30 });
});

afterEach(() => {
  fake.reset();
  fake.configure({ latencyMs: 30, streaming: true, cloudflareTimeoutMs: undefined });
});

afterAll(async () => {
  await fake.close();
});

function post(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${fake.url}/images/generations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
}

interface StreamEvent {
  name: string;
  data: Record<string, unknown>;
  /** ms after the request was sent. */
  at: number;
}

/** Reads an event stream as it arrives; `error` is set when the connection broke mid-way. */
async function readEvents(response: Response, sentAt: number): Promise<{ events: StreamEvent[]; error?: unknown }> {
  const events: StreamEvent[] = [];
  let buffer = '';
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = /^event: (.*)$/m.exec(block)?.[1] ?? '';
        const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? '{}') as Record<string, unknown>;
        events.push({ name, data, at: Date.now() - sentAt });
      }
    }
    return { events };
  } catch (error) {
    return { events, error };
  }
}

const streamed = { model: 'gpt-image-2', prompt: 'x', stream: true };

describe('stream: true', () => {
  it('spreads the partial images over the generation time, then sends the completed image', async () => {
    fake.configure({ latencyMs: 900 });
    const sentAt = Date.now();
    const response = await post({ ...streamed, partial_images: 2 });
    const headersAt = Date.now() - sentAt;
    const { events, error } = await readEvents(response, sentAt);
    expect(error).toBeUndefined();
    // Headers arrive at once, before the first event (compared with it, not with a wall-clock
    // figure: CI machines are shared and a loaded one answers late, but in the same order).
    expect(headersAt).toBeLessThan(events[0]!.at);
    expect(events.map((event) => [event.name, event.data.partial_image_index])).toEqual([
      ['image_generation.partial_image', 0],
      ['image_generation.partial_image', 1],
      ['image_generation.completed', undefined],
    ]);
    // Roughly every 300 ms (900 ms over three steps).
    expect(events[0]!.at).toBeGreaterThanOrEqual(250);
    expect(events[1]!.at - events[0]!.at).toBeGreaterThanOrEqual(200);
    expect(events[2]!.at).toBeGreaterThanOrEqual(800);
    expect(events[2]!.data.usage).toBeDefined();
  });

  it('streamError: an `error` event after the given number of previews, then the end', async () => {
    fake.failNext({ kind: 'streamError', afterPartials: 1 });
    const { events, error } = await readEvents(await post({ ...streamed, partial_images: 3 }), Date.now());
    expect(error).toBeUndefined();
    expect(events.map((event) => event.name)).toEqual(['image_generation.partial_image', 'error']);
    expect(events[1]!.data.error).toMatchObject({ code: 'moderation_blocked' });
  });

  it('streamCut: the connection closes after the previews, with no terminator', async () => {
    fake.failNext({ kind: 'streamCut', afterPartials: 2 });
    const { events, error } = await readEvents(await post({ ...streamed, partial_images: 2 }), Date.now());
    expect(events.map((event) => event.name)).toEqual(['image_generation.partial_image', 'image_generation.partial_image']);
    expect(error).toBeDefined();
  });

  it('streamEnd: the stream ends cleanly without the image', async () => {
    fake.failNext({ kind: 'streamEnd', afterPartials: 0 });
    const { events, error } = await readEvents(await post({ ...streamed, partial_images: 2 }), Date.now());
    expect(error).toBeUndefined();
    expect(events).toEqual([]);
  });

  it('a stream fault queued for a plain request is used up without effect', async () => {
    fake.failNext({ kind: 'streamCut' });
    const response = await post({ model: 'gpt-image-2', prompt: 'x' });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: unknown[] }).data).toHaveLength(1);
    const next = await readEvents(await post({ ...streamed, partial_images: 1 }), Date.now());
    expect(next.events.at(-1)?.name).toBe('image_generation.completed');
  });

  it("streaming: 'refuse' answers `stream` and `partial_images` with OpenAI's unknown_parameter", async () => {
    fake.configure({ streaming: 'refuse' });
    const refused = await post({ ...streamed, partial_images: 2 });
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ param: 'stream', code: 'unknown_parameter' });
    expect(body.error.message).toMatch(/^Unknown parameter: 'stream'\./);
    const partialOnly = await post({ model: 'gpt-image-2', prompt: 'x', partial_images: 2 });
    expect(((await partialOnly.json()) as { error: Record<string, unknown> }).error).toMatchObject({ param: 'partial_images' });
    expect((await post({ model: 'gpt-image-2', prompt: 'x' })).status).toBe(200);
  });
});

describe('cloudflareTimeoutMs', () => {
  it('answers a plain request still silent at the limit with the HTML 524 page', async () => {
    fake.configure({ latencyMs: 2_000, cloudflareTimeoutMs: 500 });
    const sentAt = Date.now();
    const response = await post({ model: 'gpt-image-2', prompt: 'x' });
    expect(response.status).toBe(524);
    expect(Date.now() - sentAt).toBeLessThan(1_500);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(response.headers.get('cf-ray')).toBeTruthy();
    expect(await response.text()).toContain('A timeout occurred');
  });

  it('lets a faster plain request through', async () => {
    fake.configure({ latencyMs: 100, cloudflareTimeoutMs: 500 });
    expect((await post({ model: 'gpt-image-2', prompt: 'x' })).status).toBe(200);
  });

  it('lets a stream whose events come more often than the limit run past it', async () => {
    fake.configure({ latencyMs: 1_200, cloudflareTimeoutMs: 500 });
    const { events, error } = await readEvents(await post({ ...streamed, partial_images: 3 }), Date.now());
    expect(error).toBeUndefined();
    expect(events.at(-1)?.name).toBe('image_generation.completed');
    expect(events.at(-1)!.at).toBeGreaterThan(1_100);
  });

  it('cuts a stream that goes silent for longer than the limit', async () => {
    fake.configure({ latencyMs: 1_500, cloudflareTimeoutMs: 500 });
    const { events, error } = await readEvents(await post({ ...streamed, partial_images: 1 }), Date.now());
    expect(events).toEqual([]);
    expect(error).toBeDefined();
  });
});
