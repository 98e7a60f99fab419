// GPT image `stream: true`: server-sent events with `partial_images` previews spread over the
// generation time, then one `image_generation.completed` event per image. Streaming is what keeps a
// slow `quality: high` request alive behind Cloudflare's 100-second cut.
import type { ServerResponse } from 'node:http';
import type { GenerationPlan } from './dialects.js';
import { wait } from './http.js';

export interface StreamInput {
  plan: GenerationPlan & { stream: { partialImages: number } };
  latencyMs: number;
  signal: AbortSignal;
  /** Paints image `index`; `partial` for a preview. */
  paintImage(index: number, partial: boolean): Promise<Buffer>;
}

export async function streamGeneration(res: ServerResponse, input: StreamInput): Promise<void> {
  const { plan, signal } = input;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  const partials = plan.stream.partialImages;
  const step = input.latencyMs / (partials + 1);
  const created = Math.floor(Date.now() / 1000);
  const common = { created_at: created, ...plan.echo };

  for (let index = 0; index < partials; index++) {
    if (!(await wait(step, signal))) return;
    const image = await input.paintImage(0, true);
    const event = { ...common, b64_json: image.toString('base64'), partial_image_index: index };
    writeEvent(res, 'image_generation.partial_image', event);
  }
  if (!(await wait(step, signal))) return;
  for (let index = 0; index < plan.n; index++) {
    const image = await input.paintImage(index, false);
    if (signal.aborted) return;
    writeEvent(res, 'image_generation.completed', { ...common, b64_json: image.toString('base64'), usage: plan.usage });
  }
  res.end();
}

function writeEvent(res: ServerResponse, type: string, data: Record<string, unknown>): void {
  res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
}
