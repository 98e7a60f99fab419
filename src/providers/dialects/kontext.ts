// The Kontext / Ultra dialect: an `aspect_ratio` instead of pixels.
//
// No `size` is sent. The relay docs' own Kontext example comments `size` out, and the AnyAPI and
// QuickRouter docs limit `size` to 256x256 / 512x512 / 1024x1024, so a ratio-shaped size would be
// refused there; where a relay drops `aspect_ratio`, a `size` would not restore the shape either.
// The output is about 1 MP (Ultra: 4 MP) whatever is sent.
// An edit sends its one image as `input_image` in base64 (two were joined side by side before).
import type { ModelSpec } from '../../catalog/types.js';
import type { DialectOptions, ImageRequest, PlannedRequest } from '../types.js';
import { checkInputImages, inputImageFields } from './inputs.js';
import { checkRequest, definedFields, planned } from './plan.js';

export function planKontext(request: ImageRequest, model: ModelSpec, options: DialectOptions): PlannedRequest {
  const checked = checkRequest(request, model, options);
  const inputs = checkInputImages(request, model, options.offeredModels);
  const { size } = checked;
  const body = definedFields({
    model: model.id,
    prompt: checked.prompt,
    n: checked.n,
    aspect_ratio: size.kind === 'ratio' ? size.value : undefined,
    // Only a declared model with a pixel size rule gets here with pixels: send them as a size.
    size: size.kind === 'pixels' ? size.value : undefined,
    seed: checked.seed,
    safety_tolerance: checked.safetyTolerance,
    output_format: checked.outputFormat,
    prompt_upsampling: checked.promptUpsampling,
    ...inputImageFields(inputs),
  });
  return planned(model, checked, body);
}
