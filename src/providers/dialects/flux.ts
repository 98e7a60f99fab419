// The Black Forest Labs dialect (FLUX.2, FLUX 1.x, Kontext, Ultra): BFL's fields as top-level JSON
// fields (the `extra_body` of the Python SDK means exactly that), the size in whichever control the
// relay's profile names:
//  - `size` alone (APIYI: "与 width/height 二选一");
//  - `size` with `width`/`height` that agree (new-api keeps `size`, one-api passes the rest to BFL);
//  - `aspect_ratio` alone (Kontext; every FLUX model on QuickRouter/AnyAPI, where it is required).
//    Kontext's own docs comment `size` out, and the output is about 1 MP (Ultra: 4 MP) whatever is sent.
// Input images (edits and references) travel as `input_image`, `input_image_2` …, raw base64 or a
// data URL by profile (two are joined side by side before Kontext, which reads one).
import type { ModelSpec } from '../../catalog/types.js';
import type { ModelRules } from '../profiles/types.js';
import type { DialectOptions, ImageRequest, PlannedRequest } from '../types.js';
import { checkInputImages, inputImageFields } from './inputs.js';
import type { SizeMapping } from '../../catalog/sizes.js';
import { checkRequest, definedFields, planned, unlessDefault } from './plan.js';

function sizeFields(size: SizeMapping, control: ModelRules['size']): Record<string, unknown> {
  if (size.kind === 'ratio') return { aspect_ratio: size.value };
  if (size.kind !== 'pixels') return {};
  // A pixel size for a model the profile sizes by ratio only happens for models declared in config.
  if (control === 'size+width+height') return { size: size.value, width: size.width, height: size.height };
  return { size: size.value };
}

export function planFlux(request: ImageRequest, model: ModelSpec, rules: ModelRules, options: DialectOptions): PlannedRequest {
  const checked = checkRequest(request, model, options);
  const inputs = checkInputImages(request, model, options.offeredModels);
  const body = definedFields({
    model: model.id,
    prompt: checked.prompt,
    n: checked.n,
    ...sizeFields(checked.size, rules.size),
    seed: checked.seed,
    safety_tolerance: unlessDefault(checked.safetyTolerance, model.safetyTolerance?.default),
    output_format: unlessDefault(checked.outputFormat, model.outputFormats[0]),
    prompt_upsampling: checked.promptUpsampling === true ? true : undefined,
    steps: unlessDefault(checked.steps, model.steps?.default),
    guidance: unlessDefault(checked.guidance, model.guidance?.default),
    ...inputImageFields(inputs, rules.inputs === 'data-url' ? 'data-url' : 'base64'),
  });
  return planned(model, checked, body);
}
