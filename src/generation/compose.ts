// What a member's /imagine asks for, from everything that can say so, in this order of precedence:
// the command's options, then parameters typed into the prompt (their own shortcuts expanded first),
// then the server's style preset, then the member's /settings defaults, then the operator's
// configuration. The member's defaults are preferences, not requests: one the server's policy or the
// chosen model does not allow is left out with a note rather than refused.
import type { DraftRequest } from '../catalog/request.js';
import type { Localized } from '../i18n/locale.js';
import { text } from '../i18n/messages.js';
import { promptText } from '../i18n/promptMessages.js';
import { assistText } from '../i18n/assistMessages.js';
import { extractInlineParameters } from '../prompt/inlineParameters.js';
import { withoutClause } from '../prompt/negativePrompt.js';
import { expandShortcuts } from '../prompt/shortcuts.js';
import { applyStylePreset } from '../prompt/stylePreset.js';
import type { MemberDefaults, PromptSettings, StylePreset } from '../storage/index.js';

export interface ComposeInput {
  /** The prompt as typed, parameters and shortcuts included. */
  prompt: string;
  /** The command's own options (they win over everything). */
  options: Omit<Partial<DraftRequest>, 'prompt'>;
  /** The command's `enhance` option, when given. */
  enhance?: boolean;
  style?: StylePreset;
  defaults: MemberDefaults;
  shortcuts: ReadonlyMap<string, string>;
  /** The server's prompt settings (undefined in DMs). */
  server?: PromptSettings;
}

export interface ComposeChecks {
  /** Whether the member may use this model here (offered by the bot, allowed by the server). */
  modelUsable(id: string): boolean;
  /** Whether the request would be accepted as it stands (the size and quality fit the model). */
  fits(draft: DraftRequest): boolean;
}

export interface Composed {
  draft: DraftRequest;
  /** Ask the chat model for a richer prompt (the option, `--enhance`/`--raw`, the member's or the server's default). */
  enhance: boolean;
  /** Post the result only to the member (their /settings). */
  private: boolean;
  notes: Localized[];
}

type Field = 'model' | 'size' | 'quality';
const DEFAULTED: readonly Field[] = ['model', 'size', 'quality'];

export function composeRequest(input: ComposeInput, checks: ComposeChecks): Composed {
  const notes: Localized[] = [];
  const shortcuts = expandShortcuts(input.prompt, input.shortcuts);
  if (shortcuts.expanded.length) notes.push(promptText.shortcutsExpanded({ list: shortcuts.expanded.join(', ') }));
  const inline = extractInlineParameters(shortcuts.prompt);
  if (inline.unknown.length) notes.push(text.unknownInlineParameters({ list: inline.unknown.join(', ') }));
  if (inline.ignored.length) notes.push(promptText.ignoredMidjourneyParameters({ list: inline.ignored.join(', ') }));
  const { negative, enhance: inlineEnhance, ...found } = inline.found;

  let prompt = inline.prompt;
  if (input.style) {
    prompt = applyStylePreset(prompt, input.style);
    notes.push(assistText.styleApplied({ name: input.style.name }));
  }
  if (negative) {
    prompt = withoutClause(prompt, negative);
    notes.push(promptText.negativeAsClause({ words: negative }));
  }
  const asked: DraftRequest = { ...found, ...definedOnly(input.options), prompt };
  const style = input.style;
  if (style?.model && asked.model === undefined) asked.model = style.model;
  if (style?.size && asked.size === undefined) asked.size = style.size;

  // The member's defaults fill what is still open. Checking a request plans it for the relay, and
  // this runs before Discord is answered: all of them are tried at once, and only when that request
  // does not fit is each tried alone, to find (and name) the one left out.
  const open = DEFAULTED.flatMap((field) => {
    const value = input.defaults[field];
    return value === undefined || asked[field] !== undefined ? [] : [{ field, value }];
  });
  const draft: DraftRequest = { ...asked };
  const usable = open.filter(({ field, value }) => {
    if (field !== 'model' || checks.modelUsable(value)) return true;
    notes.push(assistText.defaultSkipped({ field, value }));
    return false;
  });
  const all = { ...draft, ...Object.fromEntries(usable.map(({ field, value }) => [field, value])) };
  if (usable.length > 0 && checks.fits(all)) Object.assign(draft, all);
  else {
    for (const { field, value } of usable) {
      if (checks.fits({ ...draft, [field]: value })) draft[field] = value;
      else notes.push(assistText.defaultSkipped({ field, value }));
    }
  }
  return {
    draft,
    enhance: input.enhance ?? inlineEnhance ?? input.defaults.enhance ?? input.server?.enhanceDefault ?? false,
    private: input.defaults.private ?? false,
    notes,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
