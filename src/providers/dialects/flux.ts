// The FLUX.2 / FLUX 1.1 dialect: pixel sizes plus BFL's own fields as top-level JSON fields.
// `size` is the one size control every relay honours (new-api drops unknown fields such as width and
// height unless the operator enabled pass-through), so it is always sent; width and height go along
// for relays that pass the body through to BFL, and they always agree with `size`.
// Input images (FLUX.2 edits and references) travel as `input_image`, `input_image_2` … in base64.
import type { ModelSpec } from '../../catalog/types.js';
import type { DialectOptions, ImageRequest, PlannedRequest } from '../types.js';
import { checkInputImages, inputImageFields } from './inputs.js';
import { checkRequest, definedFields, planned } from './plan.js';

export function planFlux(request: ImageRequest, model: ModelSpec, options: DialectOptions): PlannedRequest {
  const checked = checkRequest(request, model, options);
  const inputs = checkInputImages(request, model, options.offeredModels);
  const { size } = checked;
  const body = definedFields({
    model: model.id,
    prompt: checked.prompt,
    n: checked.n,
    ...(size.kind === 'pixels' ? { size: size.value, width: size.width, height: size.height } : {}),
    // Only a declared model with a ratio size rule gets here with a ratio: send it the Kontext way.
    ...(size.kind === 'ratio' ? { aspect_ratio: size.value } : {}),
    seed: checked.seed,
    safety_tolerance: checked.safetyTolerance,
    output_format: checked.outputFormat,
    prompt_upsampling: checked.promptUpsampling,
    steps: checked.steps,
    guidance: checked.guidance,
    ...inputImageFields(inputs),
  });
  return planned(model, checked, body);
}
