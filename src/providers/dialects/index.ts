// Turns a neutral ImageRequest into the body of one relay request, by the relay's profile (what that
// relay takes for the model) and the model's dialect. Pure: no I/O. Throws InvalidInputError (with
// `param` and `valid`) for what cannot be sent.
import type { ModelSpec } from '../../catalog/types.js';
import { relayModel } from '../profiles/index.js';
import type { DialectOptions, ImageRequest, PlannedRequest } from '../types.js';
import { planChat } from './chat.js';
import { planFlux } from './flux.js';
import { planGptImage } from './gptImage.js';

export { OMITTED } from './checks.js';
export { moderationFor } from './gptImage.js';

export function planRequest(request: ImageRequest, model: ModelSpec, options: DialectOptions): PlannedRequest {
  const { rules, spec, strictAspectRatios } = relayModel(model, options.profile, options);
  // The spec already carries the relay's prompt cap.
  const narrowed: DialectOptions = { ...options, strictAspectRatios, maxPromptChars: undefined };
  if (rules.endpoint === 'chat') return planChat(request, spec, narrowed);
  return model.dialect === 'gpt-image' ? planGptImage(request, spec, narrowed) : planFlux(request, spec, rules, narrowed);
}
