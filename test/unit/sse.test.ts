// The incremental event-stream reading of a streamed generation: events split anywhere across
// chunks, and the image events folded into a normal answer with previews handed out on the way.
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImageEventCollector, imageEventStream, type PartialImage } from '../../src/providers/imageEvents.js';
import { isEventStream, SseDecoder, type ServerSentEvent } from '../../src/providers/sse.js';
import { isStreamingRefusal, modelStreams, shouldStream, withStreaming, withoutStreaming } from '../../src/providers/streaming.js';
import { RelayBadRequestError, UpstreamError } from '../../src/providers/errors.js';
import type { RelayConfig } from '../../src/config/relay.js';

let png: Buffer;
beforeAll(async () => {
  png = await sharp({ create: { width: 8, height: 4, channels: 3, background: '#0a0' } }).png().toBuffer();
});

function decodeIn(pieces: Array<string | Buffer>): ServerSentEvent[] {
  const decoder = new SseDecoder();
  return [...pieces.flatMap((piece) => decoder.push(piece)), ...decoder.end()];
}

describe('SseDecoder', () => {
  const body = 'event: a\ndata: {"x":1}\n\n: keep-alive\n\ndata: line one\ndata: line two\n\nevent: b\r\ndata:{"y":"é"}\r\n\r\n';
  const expected: ServerSentEvent[] = [
    { event: 'a', data: '{"x":1}' },
    { data: 'line one\nline two' },
    { event: 'b', data: '{"y":"é"}' },
  ];

  it('reads events, comments, multi-line data and CRLF', () => {
    expect(decodeIn([body])).toEqual(expected);
  });

  it('gives the same events however the bytes are split (even inside a UTF-8 character)', () => {
    const bytes = Buffer.from(body);
    expect(decodeIn([...bytes].map((byte) => Buffer.from([byte])))).toEqual(expected);
    for (const at of [3, 9, 17, 40, bytes.length - 3]) {
      expect(decodeIn([bytes.subarray(0, at), bytes.subarray(at)])).toEqual(expected);
    }
  });

  it('returns events as soon as their blank line arrives, and a last one without it at the end', () => {
    const decoder = new SseDecoder();
    expect(decoder.push('data: one\n')).toEqual([]);
    expect(decoder.push('\ndata: tw')).toEqual([{ data: 'one' }]);
    expect(decoder.push('o')).toEqual([]);
    expect(decoder.end()).toEqual([{ data: 'two' }]);
  });

  it('reads a multi-MiB data line fed in small chunks', () => {
    const big = 'A'.repeat(3 * 1024 * 1024);
    const text = Buffer.from(`event: image_generation.completed\ndata: {"b64_json":"${big}"}\n\n`);
    const chunks: Buffer[] = [];
    for (let at = 0; at < text.length; at += 16 * 1024) chunks.push(text.subarray(at, at + 16 * 1024));
    const events = decodeIn(chunks);
    expect(events).toHaveLength(1);
    expect((JSON.parse(events[0]!.data) as { b64_json: string }).b64_json).toHaveLength(big.length);
  });
});

describe('ImageEventCollector', () => {
  const event = (type: string, data: Record<string, unknown>): ServerSentEvent => ({ event: type, data: JSON.stringify({ type, ...data }) });

  it('hands out partial images with index, total and type, and folds completed images into `data`', () => {
    const seen: PartialImage[] = [];
    const collector = new ImageEventCollector((partial) => seen.push(partial), 2);
    collector.accept(event('image_generation.partial_image', { b64_json: png.toString('base64'), partial_image_index: 0 }));
    collector.accept(event('image_generation.partial_image', { b64_json: 'not base64 at all!', partial_image_index: 1 }));
    collector.accept(event('image_generation.completed', { b64_json: 'QUJD', usage: { total_tokens: 7 } }));
    collector.accept({ data: '[DONE]' });
    expect(seen).toHaveLength(1); // the broken preview is skipped, not an error
    expect(seen[0]).toMatchObject({ index: 0, total: 2, mime: 'image/png' });
    expect(seen[0]!.bytes.equals(png)).toBe(true);
    expect(collector.result()).not.toHaveProperty('error');
    expect(collector.result()).toEqual({ data: [{ b64_json: 'QUJD', url: undefined }], usage: { total_tokens: 7 } });
  });

  it('keeps no partial image (only completed ones are held)', () => {
    const collector = new ImageEventCollector(undefined, 3);
    collector.accept(event('image_generation.partial_image', { b64_json: png.toString('base64'), partial_image_index: 0 }));
    expect(collector.result()).toBeUndefined();
  });

  it('takes an error from `error` in the data, or from an `error` event in the Responses shape', () => {
    const inData = new ImageEventCollector();
    inData.accept(event('image_generation.partial_image', { b64_json: png.toString('base64') }));
    inData.accept({ event: 'error', data: JSON.stringify({ error: { code: 'moderation_blocked', message: 'blocked' } }) });
    inData.accept(event('image_generation.completed', { b64_json: 'QUJD' }));
    expect(inData.result()).toHaveProperty('error');
    expect(inData.result()).toEqual({ error: { code: 'moderation_blocked', message: 'blocked' } });

    const flat = new ImageEventCollector();
    flat.accept({ event: 'error', data: JSON.stringify({ type: 'error', code: 'rate_limit_exceeded', message: 'slow down', param: null }) });
    expect(flat.result()).toEqual({ error: { type: 'error', code: 'rate_limit_exceeded', message: 'slow down', param: null } });
  });

  it('accepts a relay that sent a whole normal answer as one event, and ignores lines it cannot read', () => {
    const collector = new ImageEventCollector();
    collector.accept({ data: 'garbage {' });
    collector.accept({ data: JSON.stringify({ created: 1, data: [{ url: 'https://x/y.png' }] }) });
    expect(collector.result()).toEqual({ created: 1, data: [{ url: 'https://x/y.png' }] });
  });
});

describe('imageEventStream (streamed and buffered event streams alike)', () => {
  /** A whole body read at once, as a relay that did not stream it to us sent it. */
  const fold = (body: string) => {
    const events = imageEventStream(undefined, 0);
    events.push(body);
    return events.finish();
  };

  it('folds an image event stream into a normal response', () => {
    const stream = [
      'event: image_generation.partial_image',
      'data: {"type":"image_generation.partial_image","b64_json":"UEFSVElBTA==","partial_image_index":0}',
      '',
      'event: image_generation.completed',
      `data: {"type":"image_generation.completed","b64_json":"${png.toString('base64')}","usage":{"total_tokens":5}}`,
      '',
    ].join('\n');
    expect(fold(stream)).toEqual({ data: [{ b64_json: png.toString('base64') }], usage: { total_tokens: 5 } });
    expect(fold('data: {"type":"error","error":{"message":"blocked","code":"moderation_blocked"}}\n')).toEqual({
      error: { message: 'blocked', code: 'moderation_blocked' },
    });
  });

  it('reads an `error` event without an `error` field, data split over several lines, and a stream without images', () => {
    expect(fold('event: error\ndata: {"code":"rate_limit_exceeded","message":"slow down"}\n\n')).toEqual({
      error: { code: 'rate_limit_exceeded', message: 'slow down' },
    });
    const b64 = png.toString('base64');
    expect(fold(`event: image_generation.completed\ndata: {"type":"image_generation.completed",\ndata: "b64_json":"${b64}"}\n\n`)).toEqual({
      data: [{ b64_json: b64 }],
    });
    expect(fold('event: image_generation.partial_image\ndata: {"type":"image_generation.partial_image","b64_json":"AAAA"}\n\n')).toBeUndefined();
  });

  it('gives the same answer chunk by chunk as all at once', () => {
    const body = `data: {"type":"image_generation.completed","b64_json":"${png.toString('base64')}"}\n\ndata: [DONE]\n\n`;
    const events = imageEventStream(undefined, 0);
    const bytes = Buffer.from(body);
    for (let at = 0; at < bytes.length; at += 7) events.push(bytes.subarray(at, at + 7));
    expect(events.finish()).toEqual(fold(body));
  });
});

describe('isEventStream', () => {
  it('by the content type, or for a buffered body by its first field', () => {
    expect(isEventStream('text/event-stream')).toBe(true);
    expect(isEventStream(' Text/Event-Stream; charset=utf-8')).toBe(true);
    expect(isEventStream(['text/event-stream'])).toBe(true);
    expect(isEventStream('application/json')).toBe(false);
    expect(isEventStream(undefined)).toBe(false);
    expect(isEventStream('text/plain', '\n\ndata: {"b64_json":"AAAA"}')).toBe(true);
    expect(isEventStream(undefined, 'event: image_generation.completed\n')).toBe(true);
    expect(isEventStream('application/json', '{"data":[]}')).toBe(false);
    expect(isEventStream('text/html', '<html>data: x</html>')).toBe(false);
  });
});

describe('when to stream', () => {
  const relay = (streaming: boolean, name = 'r'): RelayConfig => ({
    name,
    baseUrl: `http://${name}.example/v1`,
    apiKey: 'k',
    models: '*',
    priority: 0,
    strictAspectRatios: false,
    streaming,
    prices: {},
    maxConcurrency: 1,
  });

  it('only OpenAI GPT image models that answer b64, on relays that say they stream', () => {
    expect(modelStreams({ dialect: 'gpt-image', result: 'b64' })).toBe(true);
    expect(modelStreams({ dialect: 'gpt-image', result: 'url' })).toBe(false); // dall-e-3, gpt-image-2-all
    expect(modelStreams({ dialect: 'flux', result: 'url' })).toBe(false);
    expect(modelStreams(undefined)).toBe(false);
    const gpt = { dialect: 'gpt-image', result: 'b64' } as const;
    expect(shouldStream(relay(true), gpt, {})).toBe(true);
    expect(shouldStream(relay(false), gpt, {})).toBe(false);
    expect(shouldStream(relay(true), gpt, { stream: false })).toBe(false);
  });

  it('adds and removes the two fields', () => {
    expect(withStreaming({ a: 1 })).toEqual({ a: 1, stream: true, partial_images: 2 });
    expect(withoutStreaming({ a: 1, stream: true, partial_images: 2 })).toEqual({ a: 1 });
  });

  it('tells a refusal of streaming from other bad requests', () => {
    const bad = (relayMessage: string, param?: string, code?: string) => new RelayBadRequestError('x', { relayMessage, param, code });
    expect(isStreamingRefusal(bad("Unknown parameter: 'stream'.", 'stream', 'unknown_parameter'))).toBe(true);
    expect(isStreamingRefusal(bad('Invalid value', 'partial_images'))).toBe(true);
    expect(isStreamingRefusal(bad('streaming is not supported for this model'))).toBe(true);
    expect(isStreamingRefusal(bad('Unrecognized request argument supplied: foo'))).toBe(true);
    expect(isStreamingRefusal(bad('bad', undefined, 'unknown_parameter'))).toBe(true);
    expect(isStreamingRefusal(bad("Unknown parameter: 'moderation'.", 'moderation', 'unknown_parameter'))).toBe(false);
    expect(isStreamingRefusal(bad('Invalid size', 'size'))).toBe(false);
    expect(isStreamingRefusal(bad('prompt too long'))).toBe(false);
    expect(isStreamingRefusal(new UpstreamError('stream broke', { relayMessage: 'stream broke' }))).toBe(false);
  });
});
