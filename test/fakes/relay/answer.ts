// The body of a successful generation answer: `b64_json` for GPT image models, a short-lived URL
// for FLUX, each possibly spoiled by a queued payload or download fault.
import type { GenerationPlan } from './dialects.js';
import { isDownloadFault, isStreamFault } from './faults.js';
import type { FileStore } from './files.js';
import { MIME_TYPES } from './paint.js';
import type { DownloadFault, PayloadFault, StreamFault } from './types.js';

export interface AnswerInput {
  plan: GenerationPlan;
  images: Buffer[];
  /** A stream fault is ignored here: it only breaks streamed answers (stream.ts). */
  fault?: PayloadFault | DownloadFault | StreamFault;
  /** dall-e-3 returns the prompt it actually used. */
  revisedPrompt?: string;
  origin: string;
  files: FileStore;
}

const B64_FAULTS = new Set(['dataUri', 'badBase64', 'notImage', 'truncatedImage']);

/** How the answer carries the image: a fault asking for b64 or URL overrides the model's habit. */
function answerKind(plan: GenerationPlan, fault: AnswerInput['fault']): 'b64' | 'url' {
  if (fault === undefined || isStreamFault(fault)) return plan.answer;
  return B64_FAULTS.has(fault.kind) ? 'b64' : 'url';
}

export function successBody(input: AnswerInput): Record<string, unknown> {
  const { plan, fault } = input;
  const kind = answerKind(plan, fault);
  const data = input.images.map((image, index) => {
    const item: Record<string, unknown> =
      kind === 'b64' ? { b64_json: encodeImage(image, plan, fault) } : { url: imageUrl(image, index, input) };
    if (input.revisedPrompt !== undefined) item.revised_prompt = input.revisedPrompt;
    return item;
  });
  return {
    created: Math.floor(Date.now() / 1000),
    data,
    ...plan.echo,
    ...(plan.usage === undefined ? {} : { usage: plan.usage }),
  };
}

export function encodeImage(image: Buffer, plan: GenerationPlan, fault: AnswerInput['fault']): string {
  switch (fault?.kind) {
    case 'dataUri':
      return `data:${MIME_TYPES[plan.format]};base64,${image.toString('base64')}`;
    case 'badBase64':
      return '<<upstream returned no image: this is not base64>>';
    case 'notImage':
      return Buffer.from('<!DOCTYPE html><html><body>upstream error</body></html>').toString('base64');
    case 'truncatedImage':
      return image.subarray(0, Math.floor(image.length / 2)).toString('base64');
    default:
      return image.toString('base64');
  }
}

function imageUrl(image: Buffer, index: number, input: AnswerInput): string {
  const { fault } = input;
  if (fault?.kind === 'urlPointsTo' && index === 0) return fault.url;
  const downloadFault = fault !== undefined && isDownloadFault(fault) ? fault : undefined;
  return `${input.origin}${input.files.add(image, input.plan.format, downloadFault)}`;
}
