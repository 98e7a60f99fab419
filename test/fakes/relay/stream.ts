// GPT image `stream: true`: server-sent events with `partial_images` previews spread over the
// generation time, then one `image_generation.completed` event per image. Streaming is what keeps a
// slow `quality: high` request alive behind Cloudflare's 100-second cut (cloudflare.ts).
// Stream faults break an otherwise good stream after some previews: an `error` event, a cut
// connection, or a clean end without the image.
import type { ServerResponse } from 'node:http';
import type { GenerationPlan } from './dialects.js';
import { upstreamError, type ErrorReply } from './errors.js';
import { wait } from './http.js';
import type { Settings } from './settings.js';
import type { StreamFault } from './types.js';

export interface StreamInput {
  plan: GenerationPlan & { stream: { partialImages: number } };
  latencyMs: number;
  signal: AbortSignal;
  /** Paints image `index`; `partial` for a preview. */
  paintImage(index: number, partial: boolean): Promise<Buffer>;
  fault?: StreamFault;
}

/** What OpenAI says when the finished image fails its moderation mid-stream. */
const MODERATION_ERROR = {
  type: 'image_generation_user_error',
  code: 'moderation_blocked',
  message: 'Your request was rejected by the safety system. If you believe this is an error, contact us at help.openai.com.',
  param: null,
};

/**
 * `streaming: 'refuse'`: an upstream that knows no `stream` (or `partial_images`) and says so, as
 * OpenAI does for unknown fields. Undefined when the request may go on.
 */
export function refuseStreaming(settings: Settings, fields: Record<string, unknown>): ErrorReply | undefined {
  if (settings.streaming !== 'refuse') return undefined;
  const field = ['stream', 'partial_images'].find((name) => name in fields);
  return field === undefined ? undefined : upstreamError(400, `Unknown parameter: '${field}'.`, field, 'unknown_parameter');
}

export async function streamGeneration(res: ServerResponse, input: StreamInput): Promise<void> {
  const { plan, signal, fault } = input;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  // Headers go out at once, as a real streaming server sends them, not with the first event.
  res.flushHeaders();
  const partials = plan.stream.partialImages;
  const step = input.latencyMs / (partials + 1);
  const created = Math.floor(Date.now() / 1000);
  const common = { created_at: created, ...plan.echo };
  const breakAt = fault === undefined ? undefined : Math.min(fault.afterPartials ?? 1, partials);

  for (let index = 0; index < partials; index++) {
    if (index === breakAt) return breakStream(res, fault!);
    if (!(await wait(step, signal))) return;
    const image = await input.paintImage(0, true);
    const event = { ...common, b64_json: image.toString('base64'), partial_image_index: index };
    writeEvent(res, 'image_generation.partial_image', event);
  }
  if (breakAt === partials) return breakStream(res, fault!);
  if (!(await wait(step, signal))) return;
  for (let index = 0; index < plan.n; index++) {
    const image = await input.paintImage(index, false);
    if (signal.aborted) return;
    writeEvent(res, 'image_generation.completed', { ...common, b64_json: image.toString('base64'), usage: plan.usage });
  }
  res.end();
}

function breakStream(res: ServerResponse, fault: StreamFault): void {
  switch (fault.kind) {
    case 'streamError':
      writeEvent(res, 'error', { error: fault.error ?? MODERATION_ERROR });
      res.end();
      return;
    case 'streamCut':
      // What a proxy giving up mid-response does: the connection closes with no chunked terminator.
      // Ending the socket (not destroying it) first delivers the events already written.
      if (res.socket) res.socket.end();
      else res.destroy();
      return;
    case 'streamEnd':
      res.end();
      return;
  }
}

function writeEvent(res: ServerResponse, type: string, data: Record<string, unknown>): void {
  res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
}
