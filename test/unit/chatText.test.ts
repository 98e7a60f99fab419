// The chat client (src/providers/chatText.ts) against the relay fake over real HTTP: an answer is the
// assistant's text; error answers are classified and retried exactly as image calls are; a 200 with no
// text is a billed, unretried MalformedResponseError; a relay that never answers is a timeout.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { completeChat, type ChatOptions } from '../../src/providers/chatText.js';
import { MalformedResponseError, RateLimitError, RelayAuthError, RelayTimeoutError, UpstreamError } from '../../src/providers/errors.js';
import { closeAgents } from '../../src/providers/http.js';
import type { RetryInfo } from '../../src/providers/relayClient.js';
import type { ChatMessage } from '../../src/providers/types.js';
import { startRelayFake, type RelayFake } from '../fakes/relay/index.js';
import { relayFor, solidPng } from '../seeds/replay.js';

let fake: RelayFake;

beforeAll(async () => {
  fake = await startRelayFake({ latencyMs: 5 });
});

afterEach(() => {
  fake.reset();
  fake.configure({ chatReply: undefined });
});

afterAll(async () => {
  await closeAgents();
  await fake.close();
});

/** No real waits between retries; each wait is kept for the test to read. */
function options(extra: Partial<ChatOptions> = {}): ChatOptions & { waits: number[]; retries: RetryInfo[] } {
  const waits: number[] = [];
  const retries: RetryInfo[] = [];
  return {
    timeoutMs: 10_000,
    sleep: async (ms) => void waits.push(ms),
    onRetry: (info) => void retries.push(info),
    waits,
    retries,
    ...extra,
  };
}

const ask = (text: string): ChatMessage[] => [
  { role: 'system', content: 'Rewrite the prompt for an image model.' },
  { role: 'user', content: text },
];

/** What `run` rejects with; fails the test when it resolves. */
async function failure(run: Promise<unknown>): Promise<Error> {
  const outcome = await run.then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  if (!outcome) throw new Error('expected the chat call to fail');
  return outcome;
}

describe('completeChat', () => {
  it("returns the model's text, request id and usage, having sent a non-streamed chat completion", async () => {
    const answer = await completeChat(relayFor(fake, { name: 'main' }), { model: 'gpt-4o-mini', messages: ask('a red fox in snow'), maxTokens: 300, temperature: 0.7 }, options());
    expect(answer.text).toContain('a red fox in snow');
    expect(answer.attempts).toBe(1);
    expect(answer.requestId).toBe(fake.requests[0]?.requestId);
    expect(answer.usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      path: '/v1/chat/completions',
      body: { model: 'gpt-4o-mini', messages: ask('a red fox in snow'), stream: false, max_tokens: 300, temperature: 0.7 },
    });
  });

  it('sends image parts to a vision model, which describes what it sees', async () => {
    const red = `data:image/png;base64,${(await solidPng([230, 20, 20], 64, 48)).toString('base64')}`;
    const messages: ChatMessage[] = [
      { role: 'user', content: [{ type: 'text', text: 'Describe this image as prompts.' }, { type: 'image_url', image_url: { url: red } }] },
    ];
    const answer = await completeChat(relayFor(fake), { model: 'gpt-4o', messages }, options());
    const lines = answer.text.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.every((line) => /red/.test(line))).toBe(true);
    expect(answer.text).toContain('64x48');
  });

  it('joins the text parts of an answer given as a list of parts', async () => {
    fake.configure({
      chatReply: () => ({
        status: 200,
        body: { object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: [{ type: 'text', text: 'A fox' }, { type: 'text', text: 'in snow' }] }, finish_reason: 'stop' }] },
      }),
    });
    expect((await completeChat(relayFor(fake), { model: 'gpt-4o-mini', messages: ask('fox') }, options())).text).toBe('A fox\nin snow');
  });

  it('a wrong key is an auth error, not retried, and the key appears in no message', async () => {
    const relay = relayFor(fake, { apiKey: 'sk-wrong-key-123456789' });
    const run = options();
    const error = await failure(completeChat(relay, { model: 'gpt-4o-mini', messages: ask('fox') }, run));
    expect(error).toBeInstanceOf(RelayAuthError);
    expect(error).toMatchObject({ kind: 'auth', status: 401 });
    expect(error.message).not.toContain('sk-wrong-key-123456789');
    expect(fake.requests).toHaveLength(1);
    expect(run.retries).toEqual([]);
  });

  it('a 429 is retried after the wait the relay asked for, then the answer arrives', async () => {
    fake.failNext({
      kind: 'json',
      status: 429,
      body: { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
      headers: { 'retry-after-ms': '250' },
    });
    const run = options();
    const answer = await completeChat(relayFor(fake), { model: 'gpt-4o-mini', messages: ask('a lighthouse') }, run);
    expect(answer.text).toContain('a lighthouse');
    expect(answer.attempts).toBe(2);
    expect(fake.requests).toHaveLength(2);
    expect(run.waits).toEqual([250]);
    expect(run.retries).toEqual([expect.objectContaining({ reason: 'retry', attempt: 1, delayMs: 250, error: expect.any(RateLimitError) })]);
  });

  it("a JSON 500 is the upstream's failure, retried twice by the policy and then reported", async () => {
    fake.configure({ chatReply: () => ({ status: 500, body: { error: { message: 'upstream model overloaded', type: 'server_error', param: null, code: null } } }) });
    const run = options();
    const error = await failure(completeChat(relayFor(fake), { model: 'gpt-4o-mini', messages: ask('fox') }, run));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ kind: 'upstream', status: 500, relayMessage: 'upstream model overloaded' });
    expect(fake.requests).toHaveLength(3);
    expect(run.waits).toHaveLength(2);
  });

  it('an error body under a 200 is the relay saying the call failed (not billed), not an unreadable answer', async () => {
    // Some new-api resellers answer errors with status 200 and OpenAI's error object.
    fake.configure({ chatReply: () => ({ status: 200, body: { error: { message: 'channel quota exhausted somewhere odd', type: 'mystery_error' } } }) });
    const run = options();
    const error = await failure(completeChat(relayFor(fake), { model: 'gpt-4o-mini', messages: ask('fox') }, run));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ kind: 'upstream', possiblyBilled: false, relayMessage: 'channel quota exhausted somewhere odd' });
    expect(error.message).toContain('answered the chat request with an error');
  });

  it('a 200 without text is a malformed answer (chat_empty), billed and not retried', async () => {
    fake.configure({ chatReply: () => '' });
    const run = options();
    const error = await failure(completeChat(relayFor(fake), { model: 'gpt-4o-mini', messages: ask('fox') }, run));
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error).toMatchObject({ kind: 'malformed_response', code: 'chat_empty', status: 200 });
    expect(fake.requests).toHaveLength(1);
    expect(run.retries).toEqual([]);
  });

  it('a relay that never answers is a timeout within the deadline, not retried (it may have been billed)', async () => {
    fake.failNext({ kind: 'hang' });
    const run = options({ timeoutMs: 300 });
    const started = Date.now();
    const error = await failure(completeChat(relayFor(fake), { model: 'gpt-4o-mini', messages: ask('fox') }, run));
    expect(error).toBeInstanceOf(RelayTimeoutError);
    expect(error).toMatchObject({ kind: 'timeout' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(fake.requests).toHaveLength(1);
    expect(run.retries).toEqual([]);
  });
});
