// new-api / one-api as shared/RELAYS.md describes it: the fake's default, and what every other
// profile falls back on for the models its seed does not cover.
import { validateGeneration } from '../dialects.js';
import { relayError } from '../errors.js';
import type { Body } from '../fields.js';
import type { Profile } from './index.js';

/** What new-api drops from OpenAI-style image requests unless pass-through is enabled (RELAYS.md). */
export const FIELDS_DROPPED_BY_NEW_API = ['seed', 'safety_tolerance', 'aspect_ratio', 'width', 'height', 'steps', 'guidance'];

function dropFields(fields: Body): Body {
  const kept = { ...fields };
  for (const name of FIELDS_DROPPED_BY_NEW_API) delete kept[name];
  return kept;
}

export const newApi: Profile = {
  // new-api's own request checks. They used to be answered 500 here, as new-api does for its own
  // validation; every seed that says (000: "JSON 格式不合法" → 400) says 400, so 400 it is.
  invalidBody: (message, param) => relayError(400, message, 'invalid_request', param),
  promptFirst: false,
  sensitiveWords: true,
  // Azure-style signed URLs: an expired signature is a 403 (shared/RELAYS.md).
  expiredUrlStatus: 403,
  generation(model, fields, prompt, settings) {
    const forwarded = settings.dropUnknownFields ? dropFields(fields) : { ...fields };
    return { forwarded, validation: validateGeneration(model, forwarded, prompt, { strictAspectRatios: settings.strictAspectRatios }) };
  },
};
