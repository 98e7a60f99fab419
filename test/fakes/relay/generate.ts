// POST /v1/images/generations, in the order a new-api relay works through it: queued fault, key,
// routing by model, its own checks and prompt filter, dropping fields it does not know, the
// upstream's validation, generation time, the upstream's moderation, and the answer. What the relay
// checks, drops and validates follows its profile (profiles/).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { successBody } from './answer.js';
import { admitRequest } from './admit.js';
import { modelNotFound, relayError, upstreamError, type ErrorReply } from './errors.js';
import { isStreamFault } from './faults.js';
import type { FileStore } from './files.js';
import { sendJson, wait } from './http.js';
import { paintFromInputs } from './inputs.js';
import { findModel, type FakeModel } from './models.js';
import { paint } from './paint.js';
import { profileOf } from './profiles/index.js';
import { latencyFor, type Settings } from './settings.js';
import { refuseStreaming, streamGeneration } from './stream.js';
import type { Fault, RecordedRequest } from './types.js';

export interface GenerationContext {
  settings: Settings;
  origin: string;
  files: FileStore;
  takeFault(): Fault | undefined;
}

export { FIELDS_DROPPED_BY_NEW_API } from './profiles/newApi.js';

export async function handleGeneration(
  ctx: GenerationContext,
  req: IncomingMessage,
  res: ServerResponse,
  record: RecordedRequest,
  signal: AbortSignal,
): Promise<void> {
  const { settings } = ctx;
  const admitted = admitRequest(ctx, req, res, record);
  if (!admitted) return;
  const { fail, fault } = admitted;
  // A stream fault plays only inside a streamed answer (stream.ts); the others spoil a plain one.
  const streamFault = fault !== undefined && isStreamFault(fault) ? fault : undefined;
  const answerFault = fault !== undefined && !isStreamFault(fault) ? fault : undefined;

  const profile = profileOf(settings);
  // Malformed JSON (recorded as its raw text), or JSON that is no object: 400 on every profile
  // (000 line 198: "JSON 格式不合法" → "400 Invalid request").
  const body = record.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return fail(profile.invalidBody('invalid request body: expected a JSON object', ''));
  }
  const fields = body as Record<string, unknown>;
  const modelId = typeof fields.model === 'string' ? fields.model : '';
  const prompt = typeof fields.prompt === 'string' && fields.prompt.trim() !== '' ? fields.prompt : undefined;
  if (profile.promptFirst && prompt === undefined) return fail(profile.invalidBody('prompt is required', 'prompt'));
  if (modelId === '') return fail(profile.invalidBody('model is required', 'model'));
  const model = findModel(modelId);
  if (model === undefined) return fail(modelNotFound(modelId));
  if (prompt === undefined) return fail(profile.invalidBody('prompt is required', 'prompt'));
  const relayCheck = checkRelayLimits(settings, fields, prompt);
  if (relayCheck !== undefined) return fail(relayCheck);
  const streamRefused = refuseStreaming(settings, fields);
  if (streamRefused !== undefined) return fail(streamRefused);

  const { forwarded, validation } = profile.generation(model, fields, prompt, settings);
  if (forwarded !== undefined) record.forwardedBody = forwarded;
  if (!validation.ok) return fail(validation.error);
  const { plan } = validation;

  const paintImage = (index: number, partial = false): Promise<Buffer> =>
    // An edit answers with a picture made from its inputs, so tests can see they arrived.
    plan.inputs ? paintFromInputs(plan.inputs, plan) : paint({
      width: plan.width,
      height: plan.height,
      format: plan.format,
      key: `${plan.seed === undefined ? `prompt:${prompt}` : `seed:${plan.seed}`}${partial ? ':partial' : ''}`,
      index,
      noise: settings.noise || /\bnoise\b/i.test(prompt),
    });
  const latencyMs = latencyFor(settings, model.id);

  if (plan.stream !== undefined && settings.streaming === true && answerFault === undefined) {
    const blocked = moderate(model, prompt);
    if (blocked !== undefined) return fail(blocked);
    return streamGeneration(res, { plan: { ...plan, stream: plan.stream }, latencyMs, signal, paintImage, fault: streamFault });
  }

  if (!(await wait(latencyMs, signal))) return;
  const blocked = moderate(model, prompt);
  if (blocked !== undefined) return fail(blocked);
  const images = await Promise.all(Array.from({ length: plan.n }, (_, index) => paintImage(index)));
  if (signal.aborted) return;
  sendJson(
    res,
    200,
    successBody({
      plan,
      images,
      ...(answerFault === undefined ? {} : { fault: answerFault }),
      ...(model.id === 'dall-e-3' ? { revisedPrompt: prompt } : {}),
      origin: ctx.origin,
      files: ctx.files,
    }),
  );
}

/** Limits some relays set below the models' own: a shorter prompt (QuickRouter: 1000), fewer images. */
export function checkRelayLimits(settings: Settings, fields: Record<string, unknown>, prompt: string): ErrorReply | undefined {
  const { maxPromptChars, maxN } = settings;
  if (maxPromptChars !== undefined && prompt.length > maxPromptChars) {
    return upstreamError(
      400,
      `prompt is too long: ${prompt.length} characters, this relay accepts at most ${maxPromptChars}`,
      'prompt',
      'string_above_max_length',
    );
  }
  if (typeof fields.n === 'number' && fields.n > maxN) {
    return upstreamError(400, `n must be between 1 and ${maxN} on this relay, got ${fields.n}`, 'n', 'integer_above_max_value');
  }
  // new-api's own prompt filter answers before any upstream is called, with HTTP 500 (no seed has one).
  if (profileOf(settings).sensitiveWords && prompt.includes('敏感')) {
    return relayError(500, 'user sensitive words detected: 敏感', 'sensitive_words_detected', 'prompt');
  }
  return undefined;
}

/** The upstream's safety system, triggered by keywords so tests can reach each shape. */
export function moderate(model: FakeModel, prompt: string): ErrorReply | undefined {
  if (/\bforbidden\b/i.test(prompt)) {
    return upstreamError(
      400,
      'Your request was rejected by the safety system. If you believe this is an error, contact us at help.openai.com.',
      null,
      'moderation_blocked',
      'image_generation_user_error',
    );
  }
  if (model.dialect === 'gpt-image') return undefined;
  // BFL flags either the prompt (`Request Moderated`) or the finished image (`Content Moderated`).
  if (/\bmoderated-content\b/i.test(prompt)) {
    return upstreamError(500, 'task failed with status: Content Moderated', null, 'content_moderated', 'upstream_error');
  }
  if (/\bmoderated\b/i.test(prompt)) return { status: 400, body: { detail: 'Request Moderated' } };
  return undefined;
}
