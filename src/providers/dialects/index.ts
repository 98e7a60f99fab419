// Turns a neutral ImageRequest into the body of one relay request, by the model's dialect.
// Pure: no I/O. Throws InvalidInputError (with `param` and `valid`) for what cannot be sent.
import type { ModelSpec } from '../../catalog/types.js';
import type { DialectOptions, ImageRequest, PlannedRequest } from '../types.js';
import { planFlux } from './flux.js';
import { planGptImage } from './gptImage.js';
import { planKontext } from './kontext.js';

export { OMITTED } from './checks.js';
export { moderationFor } from './gptImage.js';

export function planRequest(request: ImageRequest, model: ModelSpec, options: DialectOptions): PlannedRequest {
  switch (model.dialect) {
    case 'gpt-image':
      return planGptImage(request, model, options);
    case 'flux':
      return planFlux(request, model, options);
    case 'kontext':
      return planKontext(request, model, options);
  }
}
