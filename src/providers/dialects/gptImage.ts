// OpenAI's image dialect (gpt-image-2, gpt-image-1, gpt-image-1.5, dall-e-3, gpt-image-2-all):
// `{model, prompt, n, size}` and, only when they differ from the model's default, `quality`,
// `moderation`, `output_format` and dall-e-3's `style`.
// With input images the request is an edit: POST /images/edits as a multipart form, the images as
// `image[]` files (and an optional `mask`), the same text fields but no `moderation`, which OpenAI's
// edit endpoint does not take.
import type { ModelSpec } from '../../catalog/types.js';
import type { DialectOptions, ImageRequest, PlannedFile, PlannedRequest } from '../types.js';
import { checkInputImages } from './inputs.js';
import { checkRequest, definedFields, planned, unlessDefault } from './plan.js';

/** safety_tolerance at or above this asks OpenAI for its looser `moderation: "low"`. */
export const LOW_MODERATION_FROM = 3;

/**
 * One rule maps the FLUX-style 0..6 tolerance onto OpenAI's two moderation levels: none given →
 * no `moderation` field (the relay's default); 3 or more → `low`; below → `auto`, OpenAI's default,
 * which is therefore never sent (see planGptImage).
 */
export function moderationFor(safetyTolerance: number | undefined): 'low' | 'auto' | undefined {
  if (safetyTolerance === undefined) return undefined;
  return safetyTolerance >= LOW_MODERATION_FROM ? 'low' : 'auto';
}

/** OpenAI's defaults: `auto` quality (dall-e-3: `standard`), `vivid` style. */
function defaultQuality(model: ModelSpec): string {
  return model.qualities?.includes('auto') ? 'auto' : (model.qualities?.[0] ?? 'auto');
}

export function planGptImage(request: ImageRequest, model: ModelSpec, options: DialectOptions): PlannedRequest {
  const checked = checkRequest(request, model, options);
  const inputs = checkInputImages(request, model, options.offeredModels);
  const edit = inputs.length > 0;
  const body = definedFields({
    model: model.id,
    prompt: checked.prompt,
    n: checked.n,
    size: checked.size.value,
    quality: unlessDefault(checked.quality, defaultQuality(model)),
    moderation: model.moderation && !edit ? unlessDefault(moderationFor(checked.safetyTolerance), 'auto') : undefined,
    output_format: unlessDefault(checked.outputFormat, model.outputFormats[0]),
    style: unlessDefault(checked.style, model.styles?.[0]),
  });
  if (!edit) return planned(model, checked, body);
  const files: PlannedFile[] = inputs.map((image) => ({ field: 'image[]', image }));
  if (request.mask) files.push({ field: 'mask', image: request.mask });
  return { ...planned(model, checked, body), path: '/images/edits', files };
}
