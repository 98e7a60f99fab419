// Everything that must hold before money is reserved, in two steps. screen() is cheap and
// synchronous, safe before the platform acknowledges anything: the bot takes work and the queue has
// room for the member, the model is offered, and the server's policy admits the request (blocked
// members, channels, models, words; safety clamped for the channel kind). reserve() then prepares
// the request (input images included, once read) and the ledger reserves quota and budget; the
// usage and job rows follow once the platform has acknowledged the request. Refusals are data.
import type { Localized } from '../i18n/locale.js';
import { text } from '../i18n/messages.js';
import { admit, admitMember, defaultPolicy, type GuildPolicy } from '../moderation/index.js';
import { EMPTY_WORD_FILTER } from '../moderation/wordFilter.js';
import type { ImagePipeline, PreparedGeneration } from '../pipeline/imagePipeline.js';
import { InvalidInputError } from '../providers/errors.js';
import type { WorkQueue } from '../queue/index.js';
import type { PolicyService } from '../policy/index.js';
import type { ReserveLimits } from '../storage/index.js';
import type { GenerationRecords } from './records.js';
import type { Refusal } from './refusal.js';
import type { DraftRequest, Origin, Reserved, Screened } from './types.js';

export type Result<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

export interface AdmissionDeps {
  pipeline: ImagePipeline;
  policies: PolicyService;
  queue: WorkQueue;
  records: GenerationRecords;
}

const refused = (refusal: Refusal): { ok: false; refusal: Refusal } => ({ ok: false, refusal });

export class Admissions {
  constructor(private readonly deps: AdmissionDeps) {}

  /** The cheap checks: no I/O beyond one policy read, no reservation. */
  screen(origin: Origin, draft: DraftRequest): Result<Screened> {
    const { pipeline, policies } = this.deps;
    const full = this.queueRefusal(origin);
    if (full) return refused(full);
    let model;
    try {
      model = pipeline.resolveModel(draft.model);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      return refused({ code: 'invalid_input', error });
    }
    // One read of the server's policy serves every check, here and at reserve.
    const context = origin.guildId
      ? policies.admissionContext(origin.guildId, origin.userId)
      : { policy: defaultPolicy('dm'), filter: EMPTY_WORD_FILTER, userBlocked: false };
    const admission = admit({
      ...context,
      channelId: origin.channelId,
      parentChannelId: origin.parentChannelId,
      // Age-restricted channels may loosen safety; DMs and unknown channels never do.
      channelIsNsfw: origin.channelIsNsfw,
      model,
      prompt: draft.prompt,
      requestedSafety: draft.safetyTolerance,
    });
    if (!admission.ok) {
      const { reason } = admission;
      return refused({ code: 'policy', reason: reason.kind, message: reason.message, ...(reason.kind === 'blocked_word' ? { blockedEntry: reason.entry } : {}) });
    }
    return { ok: true, value: { model, policy: origin.guildId ? context.policy : undefined, safety: admission.safety, spoiler: admission.spoiler } };
  }

  /**
   * The checks of a chat call of its own (/describe), which asks for no image model and sends no
   * prompt of the member's: the queue's room, a blocked member, a channel the server closed. The
   * server's policy comes back for the call's money limits.
   */
  screenChat(origin: Origin): Result<{ policy: GuildPolicy | undefined }> {
    const full = this.queueRefusal(origin);
    if (full) return refused(full);
    if (!origin.guildId) return { ok: true, value: { policy: undefined } };
    const context = this.deps.policies.admissionContext(origin.guildId, origin.userId);
    const refusal = admitMember({ ...context, channelId: origin.channelId, parentChannelId: origin.parentChannelId });
    if (refusal) return refused({ code: 'policy', reason: refusal.kind, message: refusal.message });
    return { ok: true, value: { policy: context.policy } };
  }

  /** The queue has room for this member (checked again at submit; this answers before anything is reserved). */
  private queueRefusal(origin: Origin): Refusal | undefined {
    const full = this.deps.queue.refusal(origin.userId);
    if (full?.reason === 'shutting_down') return { code: 'shutting_down' };
    if (full?.reason === 'user_queue_full') return { code: 'user_queue_full', limit: full.limit ?? 0 };
    if (full) return { code: 'queue_full' };
    return undefined;
  }

  /**
   * Prepares the request and reserves its quota and budget. `undefined` value: the same request is
   * already at work (a redelivery).
   */
  reserve(origin: Origin, draft: DraftRequest, screened: Screened): Result<Reserved | undefined> {
    const { pipeline, records } = this.deps;
    let prepared: PreparedGeneration;
    try {
      prepared = pipeline.prepare({ ...draft, model: screened.model.id, safetyTolerance: screened.safety.value });
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      return refused({ code: 'invalid_input', error });
    }
    const reserved = records.reserve(origin, prepared.plan.n, { cost: pipeline.reservationCost(prepared), limits: this.limits(origin, screened.policy) });
    if (!reserved.ok) {
      if (reserved.reason === 'user_quota') return refused({ code: 'user_quota', used: reserved.used, limit: reserved.limit, retryAfterMs: reserved.retryAfterMs ?? 0 });
      if (reserved.reason === 'cooldown') return refused({ code: 'cooldown', retryAfterMs: reserved.retryAfterMs ?? 1000 });
      return refused({ code: reserved.reason });
    }
    // The same request again (the platform redelivered it): the first delivery is already at work.
    if (reserved.existing) return { ok: true, value: undefined };
    const budgetWarnings: Localized[] = reserved.budgetWarnings.map((warning) =>
      text.budgetWarning({ period: warning.period, spent: warning.spent.toFixed(2), limit: warning.limit.toFixed(2) }),
    );
    return {
      ok: true,
      value: {
        origin,
        owner: origin.userId,
        prepared,
        notes: screened.safety.adjustments.map((adjustment) => text.adjusted(adjustment)),
        spoiler: screened.spoiler,
        budgetWarnings,
      },
    };
  }

  private limits(origin: Origin, policy: GuildPolicy | undefined): ReserveLimits {
    const { policies } = this.deps;
    return {
      userDailyImages: origin.guildId ? (policies.dailyQuotaFor(origin.guildId, [...origin.memberRoleIds], policy) ?? undefined) : undefined,
      cooldownMs: policy?.cooldownSeconds ? policy.cooldownSeconds * 1000 : undefined,
      guildDailyBudget: policy?.dailyBudgetUsd ?? undefined,
      guildMonthlyBudget: policy?.monthlyBudgetUsd ?? undefined,
    };
  }
}
