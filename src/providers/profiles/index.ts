// A relay's profile turned into what planning needs: the rules for one model on that relay, and the
// model as that relay serves it (its sizes, limits and options narrowed to what the relay takes), so
// every check, size mapping, refusal and menu reads one spec and nothing is sent that the relay
// does not list.
import type { ModelSpec } from '../../catalog/types.js';
import { PROFILES } from './rules.js';
import type { ModelRules, OptionalField, ProfileName } from './types.js';

export { OPTIONAL_FIELDS, PROFILE_NAMES } from './types.js';
export type { InputEncoding, ModelRules, OptionalField, ProfileName, SizeControl } from './types.js';
export { profileForBaseUrl } from './rules.js';

/** Per-relay settings from the configuration that tighten the profile further. */
export interface RelayOverrides {
  /** IMAGE_API_STRICT_ASPECT_RATIOS / `strictAspectRatios`: only the nine ratios. */
  strictAspectRatios?: boolean;
  /** IMAGE_API_MAX_PROMPT_CHARS / `maxPromptChars`. */
  maxPromptChars?: number;
}

/** One model on one relay: the rules, and the model narrowed to them. */
export interface RelayModel {
  rules: ModelRules;
  spec: ModelSpec;
  strictAspectRatios: boolean;
}

function rulesFor(profile: ProfileName, model: ModelSpec): ModelRules {
  return PROFILES[profile](model);
}

export function relayModel(model: ModelSpec, profile: ProfileName = 'new-api', overrides: RelayOverrides = {}): RelayModel {
  const rules = rulesFor(profile, model);
  const takes = (field: OptionalField): boolean => rules.optional.includes(field);
  const caps = [model.maxPromptChars, rules.maxPromptChars, overrides.maxPromptChars].filter((cap): cap is number => cap !== undefined);
  const spec: ModelSpec = {
    ...model,
    sizes: rules.sizes ?? model.sizes,
    maxPromptChars: Math.min(...caps),
    maxN: rules.maxN ?? model.maxN,
    qualities: takes('quality') ? model.qualities : undefined,
    styles: takes('style') ? model.styles : undefined,
    moderation: takes('moderation') ? model.moderation : false,
    seed: takes('seed') && model.seed,
    safetyTolerance: takes('safety_tolerance') ? model.safetyTolerance : undefined,
    promptUpsampling: takes('prompt_upsampling') && model.promptUpsampling,
    steps: takes('steps') ? model.steps : undefined,
    guidance: takes('guidance') ? model.guidance : undefined,
    // One format left means no choice: the model's default, never sent.
    outputFormats: takes('output_format') ? model.outputFormats : model.outputFormats.slice(0, 1),
    inputImages: rules.inputs === 'none' ? undefined : chatInputs(model, rules),
  };
  return { rules, spec, strictAspectRatios: rules.strictAspectRatios === true || overrides.strictAspectRatios === true };
}

/**
 * gpt-image-2-all reads reference images on the chat endpoint (APIYI: "文生图 / 多图编辑 / 自然语言改图";
 * its skills page: up to five references); elsewhere the catalog's rule stands.
 */
function chatInputs(model: ModelSpec, rules: ModelRules): ModelSpec['inputImages'] {
  return rules.inputs === 'chat' ? (model.inputImages ?? { max: 5 }) : model.inputImages;
}
