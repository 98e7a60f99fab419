// Each server's policy, role quotas, blocked users and blocked words as admins change them and
// /imagine reads them: the moderation rules (validation, defaults, the role-quota rule, the word
// filter) over PolicyStore's rows.
//
// Every change is made in one IMMEDIATE transaction together with its audit row (AuditLog), so the
// two can never disagree, and read-modify-write changes (lists, defaults that follow a lowered
// maximum) are safe against another process writing at the same time. A change that changes nothing
// writes nothing and returns no audit entry. Mutators return the audit entry for the caller to post
// to the log channel (policy.logChannelId) when one is set.
import {
  applyPolicyPatch,
  defaultPolicy,
  PolicyValidationError,
  settingsOf,
  SnowflakeSchema,
  type FieldChange,
  type GuildPolicy,
  type PolicyListField,
  type PolicyPatch,
} from '../moderation/guildPolicy.js';
import { moderationText } from '../moderation/messages.js';
import { checkRoleQuota, effectiveDailyQuota } from '../moderation/roleQuota.js';
import { checkBlockedEntry, type WordFilter } from '../moderation/wordFilter.js';
import { shorten } from '../shorten.js';
import { AuditLog, type AuditEntry } from '../storage/auditLog.js';
import type { Database } from '../storage/database.js';
import { PolicyStore, type BlockedUser, type BlockedWord, type RoleQuota } from '../storage/policyStore.js';
import { requireId } from '../storage/rowValues.js';
import { WordFilterCache } from './wordFilterCache.js';

/** Most blocked-word entries one server may have (each is a compiled regex). */
export const MAX_BLOCKED_WORDS = 1_000;
/** Longer block reasons are cut to this many characters. */
export const MAX_BLOCK_REASON_CHARS = 500;

export interface PolicyUpdate {
  /** The policy after the change (unchanged when `changes` is empty). */
  policy: GuildPolicy;
  /** Only the settings whose value actually changed. */
  changes: FieldChange[];
  /** The audit row written; undefined when nothing changed. */
  audit: AuditEntry | undefined;
}

/** Everything `admit` needs from storage, read at once. */
export interface AdmissionContext {
  policy: GuildPolicy;
  filter: WordFilter;
  userBlocked: boolean;
}

export interface ListEdit {
  add?: readonly string[];
  remove?: readonly string[];
}

export interface PolicyServiceOptions {
  /** Shares the service's database; created when absent. */
  audit?: AuditLog;
  /** Epoch ms; injectable for tests. */
  now?: () => number;
}

/** Ids that come from admin input (targets of a change) must be snowflakes. */
function requireSnowflake(name: string, value: unknown): void {
  requireId(name, value);
  if (!SnowflakeSchema.safeParse(value).success) throw new TypeError(`${name} must be a Discord id (digits only)`);
}

/** The ids of a change: the server, the admin and, when given, the role or user it is about. */
function requireChangeIds(guildId: string, actorId: string, target?: { name: string; id: string }): void {
  requireId('guildId', guildId);
  if (target) requireSnowflake(target.name, target.id);
  requireId('actorId', actorId);
}

function cleanReason(reason: string | null | undefined): string | null {
  const text = reason?.trim();
  return text ? shorten(text, MAX_BLOCK_REASON_CHARS) : null;
}

export class PolicyService {
  readonly store: PolicyStore;
  readonly audit: AuditLog;
  private readonly now: () => number;
  private readonly filters: WordFilterCache;

  constructor(db: Database, options: PolicyServiceOptions = {}) {
    this.store = new PolicyStore(db);
    this.audit = options.audit ?? new AuditLog(db);
    this.now = options.now ?? Date.now;
    this.filters = new WordFilterCache(db, this.store);
  }

  /** The server's policy; the defaults when it never changed anything. */
  get(guildId: string): GuildPolicy {
    return this.store.policy(guildId) ?? defaultPolicy(guildId);
  }

  /**
   * Changes the settings named in `patch` (untrusted input is fine: it is validated), writing the
   * audit row in the same transaction. Throws PolicyValidationError with a message for the admin.
   */
  update(guildId: string, patch: PolicyPatch, actorId: string): PolicyUpdate {
    requireChangeIds(guildId, actorId);
    return this.store.immediate(() => this.applyPatch(guildId, patch, actorId));
  }

  /** Adds ids to and removes ids from one list setting (removal first; model ids case-insensitively). */
  editList(guildId: string, field: PolicyListField, edit: ListEdit, actorId: string): PolicyUpdate {
    requireChangeIds(guildId, actorId);
    return this.store.immediate(() => {
      const current = this.get(guildId)[field];
      const key = field === 'allowedModels' ? (id: string) => id.trim().toLowerCase() : (id: string) => id;
      const removed = new Set((edit.remove ?? []).map(key));
      const kept = current.filter((id) => !removed.has(key(id)));
      return this.applyPatch(guildId, { [field]: [...kept, ...(edit.add ?? [])] }, actorId);
    });
  }

  /** Back to the defaults (one audited change listing every setting that differed). */
  reset(guildId: string, actorId: string): PolicyUpdate {
    return this.update(guildId, settingsOf(defaultPolicy(guildId)), actorId);
  }

  // ---- role quotas -------------------------------------------------------------------------

  /** Sets a role's daily image quota (null = unlimited). Undefined when it already had that quota. */
  setRoleQuota(guildId: string, roleId: string, dailyQuota: number | null, actorId: string): AuditEntry | undefined {
    requireChangeIds(guildId, actorId, { name: 'roleId', id: roleId });
    const quota = checkRoleQuota(dailyQuota);
    return this.store.immediate(() => {
      const existing = this.store.roleQuota(guildId, roleId);
      if (existing && existing.dailyQuota === quota) return undefined;
      const at = this.now();
      this.store.saveRoleQuota(guildId, { roleId, dailyQuota: quota, updatedBy: actorId }, at);
      const detail = existing ? { roleId, dailyQuota: quota, previous: existing.dailyQuota } : { roleId, dailyQuota: quota };
      return this.audit.record(guildId, actorId, { action: 'role_quota.set', detail }, at);
    });
  }

  /** Removes a role's own quota (its members fall back to the server's). Undefined when it had none. */
  clearRoleQuota(guildId: string, roleId: string, actorId: string): AuditEntry | undefined {
    requireChangeIds(guildId, actorId);
    return this.store.immediate(() => {
      const existing = this.store.roleQuota(guildId, roleId);
      if (!existing || !this.store.deleteRoleQuota(guildId, roleId)) return undefined;
      return this.audit.record(guildId, actorId, { action: 'role_quota.clear', detail: { roleId, previous: existing.dailyQuota } }, this.now());
    });
  }

  listRoleQuotas(guildId: string): RoleQuota[] {
    return this.store.roleQuotas(guildId);
  }

  /** A member's daily image quota from the server's and their roles' quotas; null = unlimited. */
  dailyQuotaFor(guildId: string, memberRoleIds: readonly string[], policy: GuildPolicy = this.get(guildId)): number | null {
    return effectiveDailyQuota(policy.dailyQuota, this.store.roleQuotas(guildId), memberRoleIds);
  }

  // ---- blocked users -----------------------------------------------------------------------

  /** Blocks a user (or changes the reason). Undefined when already blocked with the same reason. */
  block(guildId: string, userId: string, actorId: string, reason?: string | null): AuditEntry | undefined {
    requireChangeIds(guildId, actorId, { name: 'userId', id: userId });
    const cleaned = cleanReason(reason);
    return this.store.immediate(() => {
      const existing = this.store.blockedUser(guildId, userId);
      if (existing && existing.reason === cleaned) return undefined;
      const at = this.now();
      this.store.saveBlockedUser(guildId, { userId, reason: cleaned, blockedBy: actorId, blockedAt: at });
      return this.audit.record(guildId, actorId, { action: 'user.block', detail: { userId, reason: cleaned } }, at);
    });
  }

  /** Undefined when the user was not blocked. */
  unblock(guildId: string, userId: string, actorId: string): AuditEntry | undefined {
    requireChangeIds(guildId, actorId);
    return this.store.immediate(() => {
      if (!this.store.deleteBlockedUser(guildId, userId)) return undefined;
      return this.audit.record(guildId, actorId, { action: 'user.unblock', detail: { userId } }, this.now());
    });
  }

  isBlocked(guildId: string, userId: string): boolean {
    return this.store.blockedUser(guildId, userId) !== undefined;
  }

  getBlock(guildId: string, userId: string): BlockedUser | undefined {
    return this.store.blockedUser(guildId, userId);
  }

  listBlocked(guildId: string): BlockedUser[] {
    return this.store.blockedUsers(guildId);
  }

  // ---- blocked words -----------------------------------------------------------------------

  /**
   * Adds a word, phrase or `/regex/flags`. Throws PolicyValidationError when the entry is unusable
   * (bad or risky regex, nothing to match) or the list is full; undefined when an entry with the
   * same normalised spelling is already there.
   */
  addBlockedWord(guildId: string, raw: string, actorId: string): AuditEntry | undefined {
    requireChangeIds(guildId, actorId);
    return this.store.immediate(() => {
      const check = checkBlockedEntry(raw);
      if (!check.ok) throw new PolicyValidationError(check.problem, 'entry');
      if (this.store.hasWord(guildId, check.key)) return undefined;
      if (this.store.wordCount(guildId) >= MAX_BLOCKED_WORDS) {
        throw new PolicyValidationError(moderationText.tooManyEntries(MAX_BLOCKED_WORDS), 'entry');
      }
      const at = this.now();
      if (!this.store.saveWord(guildId, check.key, { entry: check.entry, kind: check.kind, addedBy: actorId, addedAt: at })) return undefined;
      return this.audit.record(guildId, actorId, { action: 'word.add', detail: { entry: check.entry, kind: check.kind } }, at);
    });
  }

  /** Removes the entry with this spelling or normalised spelling; undefined when there is none. */
  removeBlockedWord(guildId: string, raw: string, actorId: string): AuditEntry | undefined {
    requireChangeIds(guildId, actorId);
    return this.store.immediate(() => {
      const check = checkBlockedEntry(raw);
      const text = raw.trim();
      const removed = this.store.deleteWord(guildId, check.ok ? check.key : text, text);
      if (!removed) return undefined;
      return this.audit.record(guildId, actorId, { action: 'word.remove', detail: { entry: removed.entry, kind: removed.kind } }, this.now());
    });
  }

  /** In the order they were added. */
  listBlockedWords(guildId: string): BlockedWord[] {
    return this.store.blockedWords(guildId);
  }

  /** The server's compiled word filter; recompiled only when its entries changed (by any process). */
  wordFilter(guildId: string): WordFilter {
    return this.filters.get(guildId);
  }

  /**
   * The policy, word filter and block state for one /imagine, for `admit`. All three are kept in
   * memory by the store and the filter cache, checked with the one read of the settings counter the
   * request makes (storage/settingsCache.ts).
   */
  admissionContext(guildId: string, userId: string): AdmissionContext {
    return { policy: this.get(guildId), filter: this.wordFilter(guildId), userBlocked: this.isBlocked(guildId, userId) };
  }

  private applyPatch(guildId: string, patch: unknown, actorId: string): PolicyUpdate {
    const current = this.get(guildId);
    const { settings, changes } = applyPolicyPatch(settingsOf(current), patch);
    if (changes.length === 0) return { policy: current, changes, audit: undefined };
    const at = this.now();
    const policy = { ...settings, guildId, updatedAt: at, updatedBy: actorId };
    this.store.savePolicy(policy);
    const audit = this.audit.record(guildId, actorId, { action: 'policy.update', detail: { changes } }, at);
    return { policy, changes, audit };
  }
}
