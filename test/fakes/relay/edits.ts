// POST /v1/images/edits, OpenAI's edit endpoint for GPT image models as a new-api relay passes it on:
// a multipart form with `image[]` (or `image`) files, an optional PNG `mask` the size of the first
// image, and the generation's text fields (numbers arrive as strings) without `moderation`, which the
// edit endpoint does not take. The answer is b64_json, painted from the input images.
import type { IncomingMessage, ServerResponse } from 'node:http';
import sharp from 'sharp';
import { successBody } from './answer.js';
import { admitRequest } from './admit.js';
import { validateGeneration } from './dialects.js';
import { invalidParam, modelNotFound, upstreamError } from './errors.js';
import { checkRelayLimits, moderate, type GenerationContext } from './generate.js';
import { sendJson, wait } from './http.js';
import { inputKind, paintFromInputs } from './inputs.js';
import { findModel } from './models.js';
import type { ParsedForm } from './multipart.js';
import { profileOf } from './profiles/index.js';
import { latencyFor } from './settings.js';
import type { RecordedRequest } from './types.js';

const NUMERIC_FIELDS = new Set(['n', 'output_compression', 'partial_images']);
const IMAGE_FIELDS = new Set(['image', 'image[]']);

/** Multipart values are strings: numbers and booleans as OpenAI's form parser reads them. */
function typedFields(fields: Record<string, string>): Record<string, unknown> {
  const typed: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (NUMERIC_FIELDS.has(name) && /^-?\d+$/.test(value.trim())) typed[name] = Number(value);
    else if (name === 'stream' && /^(true|false)$/.test(value)) typed[name] = value === 'true';
    else typed[name] = value;
  }
  return typed;
}

export async function handleEdit(
  ctx: GenerationContext,
  req: IncomingMessage,
  res: ServerResponse,
  record: RecordedRequest,
  signal: AbortSignal,
  form: ParsedForm | undefined,
): Promise<void> {
  const { settings } = ctx;
  const admitted = admitRequest(ctx, req, res, record);
  if (!admitted) return;
  const { fail, fault } = admitted;
  if (form === undefined) {
    return fail(upstreamError(400, "Invalid Content-Type header (application/json), expected multipart/form-data.", null, 'invalid_content_type'));
  }
  const fields = typedFields(form.fields);
  if (typeof fields.model !== 'string' || fields.model === '') return fail(profileOf(settings).invalidBody('model is required', 'model'));
  const model = findModel(fields.model);
  if (model === undefined) return fail(modelNotFound(fields.model));
  if (model.dialect !== 'gpt-image' || !model.maxInputImages) {
    return fail(invalidParam('model', `Invalid value: '${model.id}'. Image edits are supported only for GPT image models.`));
  }
  if (typeof fields.prompt !== 'string' || fields.prompt.trim() === '') {
    return fail(invalidParam('prompt', "Missing required parameter: 'prompt'.", 'missing_required_parameter'));
  }
  const prompt = fields.prompt;
  const relayCheck = checkRelayLimits(settings, fields, prompt);
  if (relayCheck !== undefined) return fail(relayCheck);
  if ('moderation' in fields) return fail(invalidParam('moderation', "Unknown parameter: 'moderation'.", 'unknown_parameter'));

  const images = form.files.filter((file) => IMAGE_FIELDS.has(file.field));
  const stray = form.files.find((file) => !IMAGE_FIELDS.has(file.field) && file.field !== 'mask');
  if (stray) return fail(invalidParam(stray.field, `Unknown parameter: '${stray.field}'.`, 'unknown_parameter'));
  if (images.length === 0) return fail(invalidParam('image', "Missing required parameter: 'image'.", 'missing_required_parameter'));
  if (images.length > model.maxInputImages) {
    return fail(invalidParam('image', `Invalid 'image': at most ${model.maxInputImages} images may be given, got ${images.length}.`, 'too_many_images'));
  }
  const unreadable = images.findIndex((file) => inputKind(file.bytes) === undefined);
  if (unreadable >= 0) {
    return fail(invalidParam('image', `Invalid image file or mode for image ${unreadable + 1}, please check your image file.`, 'invalid_image_file'));
  }
  const mask = form.files.find((file) => file.field === 'mask');
  if (mask && !(await maskFits(mask.bytes, images[0]!.bytes))) {
    return fail(invalidParam('mask', 'Invalid mask image: it must be a PNG with the same dimensions as the first image.', 'invalid_mask'));
  }

  record.forwardedBody = fields;
  const validation = validateGeneration(model, fields, prompt, { strictAspectRatios: settings.strictAspectRatios });
  if (!validation.ok) return fail(validation.error);
  const plan = { ...validation.plan, inputs: images.map((file) => file.bytes) };
  delete plan.stream; // edits are answered in one piece here

  if (!(await wait(latencyFor(settings, model.id), signal))) return;
  const blocked = moderate(model, prompt);
  if (blocked !== undefined) return fail(blocked);
  const painted = await Promise.all(Array.from({ length: plan.n }, () => paintFromInputs(plan.inputs, plan)));
  if (signal.aborted) return;
  sendJson(res, 200, successBody({ plan, images: painted, ...(fault === undefined ? {} : { fault }), origin: ctx.origin, files: ctx.files }));
}

async function maskFits(mask: Buffer, first: Buffer): Promise<boolean> {
  if (inputKind(mask) !== 'png') return false;
  try {
    const [a, b] = await Promise.all([sharp(mask).metadata(), sharp(first).metadata()]);
    return a.width === b.width && a.height === b.height;
  } catch {
    return false;
  }
}
