// The chat model's two services to a member: /describe (four prompts that would recreate an image)
// and enhance (a short prompt rewritten into a detailed one for the chosen model family). Both run
// as chat tasks (chatTasks.ts: ledger, usage log, queue, one billing rule). An enhancement never
// stops the image: when the chat model fails, the member's own prompt is used and they are told.
import type { ModelSpec } from '../catalog/types.js';
import { assistText } from '../i18n/assistMessages.js';
import type { Localized } from '../i18n/locale.js';
import { explainError } from '../i18n/errorMessages.js';
import { dataUrl } from '../providers/dialects/inputs.js';
import { isImagineError } from '../providers/errors.js';
import type { InputImage } from '../providers/types.js';
import { cleanEnhanced, describeMessages, enhanceMessages, parseDescribeAnswer } from '../prompt/chatPrompts.js';
import type { GuildPolicy } from '../moderation/index.js';
import type { PromptSettings } from '../storage/index.js';
import type { ChatTasks, ChatTaskResult } from './chatTasks.js';
import type { Refusal } from './refusal.js';
import type { DraftRequest, Origin } from './types.js';

/** Enough for four prompts of a few hundred characters, or one long rewrite. */
const DESCRIBE_MAX_TOKENS = 900;
const ENHANCE_MAX_TOKENS = 700;
/** A rewrite longer than this stops being the member's prompt; FLUX reads far more, but nobody types it. */
const ENHANCED_MAX_CHARS = 1500;

export type DescribeOutcome =
  | { ok: true; prompts: string[]; cost: number; model: string }
  | { ok: false; refusal: Refusal }
  /** The chat call failed or gave nothing usable; `cost` is what the ledger charges for it. */
  | { ok: false; failed: Localized; cost: number }
  | { ok: false; duplicate: true };

export interface Enhanced {
  draft: DraftRequest;
  notes: Localized[];
}

/** The money limits of a server's policy, the only ones a chat call is held to. */
function moneyLimits(policy: GuildPolicy | undefined) {
  return { guildDailyBudget: policy?.dailyBudgetUsd ?? undefined, guildMonthlyBudget: policy?.monthlyBudgetUsd ?? undefined };
}

/** Why a chat call gave nothing, for the member: the relay's error in their words, or an empty answer. */
function failureText(result: Extract<ChatTaskResult, { failure: unknown }>): Localized {
  return isImagineError(result.failure) ? explainError(result.failure) : assistText.chatFailedUnknown;
}

export class PromptAssistant {
  constructor(private readonly tasks: ChatTasks) {}

  get chatModel(): string | undefined {
    return this.tasks.model;
  }

  async describe(origin: Origin, image: InputImage, policy: GuildPolicy | undefined): Promise<DescribeOutcome> {
    const language = origin.locale.toLowerCase().startsWith('zh') ? 'zh' : 'en';
    const result = await this.tasks.run({
      kind: 'describe',
      origin,
      key: origin.requestId,
      prompt: `(describe) ${image.name}`,
      messages: describeMessages(dataUrl(image), { language }),
      maxTokens: DESCRIBE_MAX_TOKENS,
      limits: moneyLimits(policy),
    });
    if (!result.ok) {
      if ('refusal' in result) return { ok: false, refusal: result.refusal };
      if ('duplicate' in result) return result;
      return { ok: false, failed: failureText(result), cost: result.cost };
    }
    const prompts = parseDescribeAnswer(result.text).slice(0, 4);
    if (prompts.length === 0) return { ok: false, failed: assistText.describeEmpty, cost: result.cost };
    return { ok: true, prompts, cost: result.cost, model: result.model };
  }

  /**
   * The draft with its prompt rewritten, or as it was with a note saying why not. Without a chat
   * model, FLUX's own `prompt_upsampling` does the work where the model has it.
   */
  async enhance(origin: Origin, draft: DraftRequest, model: ModelSpec, policy: GuildPolicy | undefined, server: PromptSettings | undefined): Promise<Enhanced> {
    if (!this.tasks.model) {
      if (model.promptUpsampling) return { draft: { ...draft, promptUpsampling: true }, notes: [assistText.enhancedNatively] };
      return { draft, notes: [assistText.enhanceUnavailable] };
    }
    const maxChars = Math.min(ENHANCED_MAX_CHARS, model.maxPromptChars);
    const translateToEnglish = model.dialect !== 'gpt-image' && server?.translateForFlux === true;
    const result = await this.tasks.run({
      kind: 'enhance',
      origin,
      key: `${origin.requestId}:enhance`,
      prompt: draft.prompt,
      messages: enhanceMessages(draft.prompt, { family: model.dialect, translateToEnglish, maxChars }),
      maxTokens: ENHANCE_MAX_TOKENS,
      limits: moneyLimits(policy),
    });
    if (!result.ok) {
      if ('duplicate' in result) return { draft, notes: [] };
      const why = 'refusal' in result ? assistText.enhanceRefused : failureText(result);
      return { draft, notes: [assistText.enhanceFailed({ why })] };
    }
    const rewritten = cleanEnhanced(result.text, maxChars);
    if (!rewritten) return { draft, notes: [assistText.enhanceFailed({ why: assistText.chatAnswerEmpty })] };
    return { draft: { ...draft, prompt: rewritten, originalPrompt: draft.prompt }, notes: [assistText.enhanced({ model: result.model })] };
  }
}
