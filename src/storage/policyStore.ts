// Each server's policy, role quotas, blocked users and blocked words, over the shared SQLite handle.
//
// Every change is made in one IMMEDIATE transaction together with its audit row (AuditLog), so the
// two can never disagree, and read-modify-write changes (lists, defaults that follow a lowered
// maximum) are safe against another process writing at the same time. A change that changes nothing
// writes nothing and returns no audit entry. Mutators return the audit entry for the caller to post
// to the log channel (policy.logChannelId) when one is set.
//
// Snowflakes are strings, never numbers (they exceed 2^53).
import {
  applyPolicyPatch,
  defaultPolicy,
  MAX_DAILY_QUOTA,
  PolicyValidationError,
  settingsOf,
  SnowflakeSchema,
  StoredListSchema,
  type FieldChange,
  type GuildPolicy,
  type PolicyListField,
  type PolicyPatch,
  type PolicySettings,
} from '../moderation/guildPolicy.js';
import { moderationText } from '../moderation/messages.js';
import { effectiveDailyQuota, type RoleQuotaSetting } from '../moderation/roleQuota.js';
import { checkBlockedEntry, compileWordFilter, type BlockedEntryKind, type WordFilter } from '../moderation/wordFilter.js';
import { AuditLog, type AuditEntry } from './auditLog.js';
import type { Database } from './database.js';

/** Most blocked-word entries one server may have (each is a compiled regex). */
export const MAX_BLOCKED_WORDS = 1_000;
/** Longer block reasons are cut to this many characters. */
export const MAX_BLOCK_REASON_CHARS = 500;

export interface RoleQuota extends RoleQuotaSetting {
  updatedBy: string;
  updatedAt: number;
}

export interface BlockedUser {
  userId: string;
  reason: string | null;
  blockedBy: string;
  blockedAt: number;
}

export interface BlockedWord {
  entry: string;
  kind: BlockedEntryKind;
  addedBy: string;
  addedAt: number;
}

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

export interface PolicyStoreOptions {
  /** Shares the store's database; created when absent. */
  audit?: AuditLog;
  /** Epoch ms; injectable for tests. */
  now?: () => number;
}

interface PolicyDbRow {
  guild_id: string;
  allowed_models: string;
  allowed_channels: string;
  spoiler_channels: string;
  safety_normal_default: number;
  safety_normal_max: number;
  safety_nsfw_default: number;
  safety_nsfw_max: number;
  daily_quota: number | null;
  cooldown_seconds: number;
  daily_budget_usd: number | null;
  monthly_budget_usd: number | null;
  log_channel_id: string | null;
  updated_at: number;
  updated_by: string;
}

interface RoleQuotaDbRow {
  role_id: string;
  daily_quota: number | null;
  updated_by: string;
  updated_at: number;
}

interface BlockedUserDbRow {
  user_id: string;
  reason: string | null;
  blocked_by: string;
  blocked_at: number;
}

interface BlockedWordDbRow {
  entry: string;
  kind: BlockedEntryKind;
  added_by: string;
  added_at: number;
}

function requireId(name: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
}

/** Ids that come from admin input (targets of a change) must be snowflakes. */
function requireSnowflake(name: string, value: unknown): void {
  requireId(name, value);
  if (!SnowflakeSchema.safeParse(value).success) throw new TypeError(`${name} must be a Discord id (digits only)`);
}

function parseList(text: string): string[] {
  try {
    return StoredListSchema.parse(JSON.parse(text));
  } catch {
    return [];
  }
}

function toPolicy(row: PolicyDbRow): GuildPolicy {
  return {
    guildId: row.guild_id,
    allowedModels: parseList(row.allowed_models),
    allowedChannels: parseList(row.allowed_channels),
    spoilerChannels: parseList(row.spoiler_channels),
    safetyNormalDefault: row.safety_normal_default,
    safetyNormalMax: row.safety_normal_max,
    safetyNsfwDefault: row.safety_nsfw_default,
    safetyNsfwMax: row.safety_nsfw_max,
    dailyQuota: row.daily_quota,
    cooldownSeconds: row.cooldown_seconds,
    dailyBudgetUsd: row.daily_budget_usd,
    monthlyBudgetUsd: row.monthly_budget_usd,
    logChannelId: row.log_channel_id,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

function toRow(guildId: string, settings: PolicySettings, actorId: string, at: number): PolicyDbRow {
  return {
    guild_id: guildId,
    allowed_models: JSON.stringify(settings.allowedModels),
    allowed_channels: JSON.stringify(settings.allowedChannels),
    spoiler_channels: JSON.stringify(settings.spoilerChannels),
    safety_normal_default: settings.safetyNormalDefault,
    safety_normal_max: settings.safetyNormalMax,
    safety_nsfw_default: settings.safetyNsfwDefault,
    safety_nsfw_max: settings.safetyNsfwMax,
    daily_quota: settings.dailyQuota,
    cooldown_seconds: settings.cooldownSeconds,
    daily_budget_usd: settings.dailyBudgetUsd,
    monthly_budget_usd: settings.monthlyBudgetUsd,
    log_channel_id: settings.logChannelId,
    updated_at: at,
    updated_by: actorId,
  };
}

function checkDailyQuota(value: unknown): number | null {
  if (value === null) return null;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_DAILY_QUOTA) return value;
  throw new PolicyValidationError(
    {
      en: `A role's daily quota must be a whole number from 0 to ${MAX_DAILY_QUOTA}, or none for unlimited.`,
      zh: `角色每日额度必须是 0 到 ${MAX_DAILY_QUOTA} 的整数,或不设(不限)。`,
    },
    'dailyQuota',
  );
}

function cleanReason(reason: string | null | undefined): string | null {
  const text = reason?.trim();
  if (!text) return null;
  return text.length > MAX_BLOCK_REASON_CHARS ? `${text.slice(0, MAX_BLOCK_REASON_CHARS - 1)}…` : text;
}

/**
 * Word-list changes made through a connection (PRAGMA data_version counts only the commits of
 * other connections), shared by every PolicyStore on it.
 */
const localWordChanges = new WeakMap<Database, { count: number }>();

interface CachedFilter {
  /** The entries it was compiled from, joined: a re-read with the same entries keeps the filter. */
  key: string;
  filter: WordFilter;
  /** PRAGMA data_version and the local change count when the entries were last read. */
  dataVersion: number;
  localChanges: number;
}

export class PolicyStore {
  readonly audit: AuditLog;
  private readonly now: () => number;
  private readonly filters = new Map<string, CachedFilter>();
  private readonly wordChanges: { count: number };

  private readonly selectPolicy;
  private readonly upsertPolicy;
  private readonly selectRoleQuotas;
  private readonly selectRoleQuota;
  private readonly upsertRoleQuota;
  private readonly deleteRoleQuota;
  private readonly selectBlockedUser;
  private readonly selectBlockedUsers;
  private readonly upsertBlockedUser;
  private readonly deleteBlockedUser;
  private readonly selectWords;
  private readonly selectWordEntries;
  private readonly selectDataVersion;
  private readonly countWords;
  private readonly hasWordKey;
  private readonly insertWord;
  private readonly deleteWord;

  private readonly updateTx;
  private readonly editListTx;
  private readonly setRoleQuotaTx;
  private readonly clearRoleQuotaTx;
  private readonly blockTx;
  private readonly unblockTx;
  private readonly addWordTx;
  private readonly removeWordTx;

  constructor(db: Database, options: PolicyStoreOptions = {}) {
    this.audit = options.audit ?? new AuditLog(db);
    this.now = options.now ?? Date.now;
    let wordChanges = localWordChanges.get(db);
    if (!wordChanges) {
      wordChanges = { count: 0 };
      localWordChanges.set(db, wordChanges);
    }
    this.wordChanges = wordChanges;

    this.selectPolicy = db.prepare<[string], PolicyDbRow>('SELECT * FROM guild_policy WHERE guild_id = ?');
    this.upsertPolicy = db.prepare<PolicyDbRow>(`
      INSERT INTO guild_policy (guild_id, allowed_models, allowed_channels, spoiler_channels,
                                safety_normal_default, safety_normal_max, safety_nsfw_default, safety_nsfw_max,
                                daily_quota, cooldown_seconds, daily_budget_usd, monthly_budget_usd,
                                log_channel_id, updated_at, updated_by)
      VALUES (@guild_id, @allowed_models, @allowed_channels, @spoiler_channels,
              @safety_normal_default, @safety_normal_max, @safety_nsfw_default, @safety_nsfw_max,
              @daily_quota, @cooldown_seconds, @daily_budget_usd, @monthly_budget_usd,
              @log_channel_id, @updated_at, @updated_by)
      ON CONFLICT (guild_id) DO UPDATE SET
        allowed_models = excluded.allowed_models, allowed_channels = excluded.allowed_channels,
        spoiler_channels = excluded.spoiler_channels,
        safety_normal_default = excluded.safety_normal_default, safety_normal_max = excluded.safety_normal_max,
        safety_nsfw_default = excluded.safety_nsfw_default, safety_nsfw_max = excluded.safety_nsfw_max,
        daily_quota = excluded.daily_quota, cooldown_seconds = excluded.cooldown_seconds,
        daily_budget_usd = excluded.daily_budget_usd, monthly_budget_usd = excluded.monthly_budget_usd,
        log_channel_id = excluded.log_channel_id, updated_at = excluded.updated_at, updated_by = excluded.updated_by`);

    this.selectRoleQuotas = db.prepare<[string], RoleQuotaDbRow>(
      'SELECT role_id, daily_quota, updated_by, updated_at FROM role_quota WHERE guild_id = ? ORDER BY role_id',
    );
    this.selectRoleQuota = db.prepare<[string, string], RoleQuotaDbRow>(
      'SELECT role_id, daily_quota, updated_by, updated_at FROM role_quota WHERE guild_id = ? AND role_id = ?',
    );
    this.upsertRoleQuota = db.prepare<[string, string, number | null, string, number]>(`
      INSERT INTO role_quota (guild_id, role_id, daily_quota, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (guild_id, role_id) DO UPDATE SET
        daily_quota = excluded.daily_quota, updated_by = excluded.updated_by, updated_at = excluded.updated_at`);
    this.deleteRoleQuota = db.prepare<[string, string]>('DELETE FROM role_quota WHERE guild_id = ? AND role_id = ?');

    this.selectBlockedUser = db.prepare<[string, string], BlockedUserDbRow>(
      'SELECT user_id, reason, blocked_by, blocked_at FROM blocked_users WHERE guild_id = ? AND user_id = ?',
    );
    this.selectBlockedUsers = db.prepare<[string], BlockedUserDbRow>(
      'SELECT user_id, reason, blocked_by, blocked_at FROM blocked_users WHERE guild_id = ? ORDER BY blocked_at, user_id',
    );
    this.upsertBlockedUser = db.prepare<[string, string, string | null, string, number]>(`
      INSERT INTO blocked_users (guild_id, user_id, reason, blocked_by, blocked_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (guild_id, user_id) DO UPDATE SET
        reason = excluded.reason, blocked_by = excluded.blocked_by, blocked_at = excluded.blocked_at`);
    this.deleteBlockedUser = db.prepare<[string, string]>('DELETE FROM blocked_users WHERE guild_id = ? AND user_id = ?');

    // rowid order = the order entries were added, which is the order the filter reports them in.
    this.selectWords = db.prepare<[string], BlockedWordDbRow>(
      'SELECT entry, kind, added_by, added_at FROM guild_blocked_words WHERE guild_id = ? ORDER BY rowid',
    );
    this.selectWordEntries = db
      .prepare<[string], string>('SELECT entry FROM guild_blocked_words WHERE guild_id = ? ORDER BY rowid')
      .pluck();
    // Moves whenever another connection (another process: the CLI, an admin tool) commits anything.
    this.selectDataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.countWords = db.prepare<[string], number>('SELECT COUNT(*) FROM guild_blocked_words WHERE guild_id = ?').pluck();
    this.hasWordKey = db
      .prepare<[string, string], number>('SELECT 1 FROM guild_blocked_words WHERE guild_id = ? AND match_key = ?')
      .pluck();
    this.insertWord = db.prepare<[string, string, string, string, string, number]>(`
      INSERT INTO guild_blocked_words (guild_id, match_key, entry, kind, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (guild_id, match_key) DO NOTHING`);
    this.deleteWord = db.prepare<[string, string, string], { entry: string; kind: BlockedEntryKind }>(
      'DELETE FROM guild_blocked_words WHERE guild_id = ? AND (match_key = ? OR entry = ?) RETURNING entry, kind',
    );

    this.updateTx = db.transaction((guildId: string, patch: unknown, actorId: string): PolicyUpdate =>
      this.applyPatch(guildId, patch, actorId),
    );
    this.editListTx = db.transaction((guildId: string, field: PolicyListField, edit: ListEdit, actorId: string): PolicyUpdate => {
      const current = this.get(guildId)[field];
      const key = field === 'allowedModels' ? (id: string) => id.trim().toLowerCase() : (id: string) => id;
      const removed = new Set((edit.remove ?? []).map(key));
      const kept = current.filter((id) => !removed.has(key(id)));
      const next = [...kept, ...(edit.add ?? [])];
      return this.applyPatch(guildId, { [field]: next }, actorId);
    });
    this.setRoleQuotaTx = db.transaction(
      (guildId: string, roleId: string, dailyQuota: number | null, actorId: string): AuditEntry | undefined => {
        const existing = this.selectRoleQuota.get(guildId, roleId);
        if (existing && existing.daily_quota === dailyQuota) return undefined;
        const at = this.now();
        this.upsertRoleQuota.run(guildId, roleId, dailyQuota, actorId, at);
        const detail = existing ? { roleId, dailyQuota, previous: existing.daily_quota } : { roleId, dailyQuota };
        return this.audit.record(guildId, actorId, { action: 'role_quota.set', detail }, at);
      },
    );
    this.clearRoleQuotaTx = db.transaction((guildId: string, roleId: string, actorId: string): AuditEntry | undefined => {
      const existing = this.selectRoleQuota.get(guildId, roleId);
      if (!existing) return undefined;
      this.deleteRoleQuota.run(guildId, roleId);
      return this.audit.record(guildId, actorId, { action: 'role_quota.clear', detail: { roleId, previous: existing.daily_quota } }, this.now());
    });
    this.blockTx = db.transaction((guildId: string, userId: string, actorId: string, reason: string | null): AuditEntry | undefined => {
      const existing = this.selectBlockedUser.get(guildId, userId);
      if (existing && existing.reason === reason) return undefined;
      const at = this.now();
      this.upsertBlockedUser.run(guildId, userId, reason, actorId, at);
      return this.audit.record(guildId, actorId, { action: 'user.block', detail: { userId, reason } }, at);
    });
    this.unblockTx = db.transaction((guildId: string, userId: string, actorId: string): AuditEntry | undefined => {
      if (this.deleteBlockedUser.run(guildId, userId).changes === 0) return undefined;
      return this.audit.record(guildId, actorId, { action: 'user.unblock', detail: { userId } }, this.now());
    });
    this.addWordTx = db.transaction((guildId: string, raw: string, actorId: string): AuditEntry | undefined => {
      const check = checkBlockedEntry(raw);
      if (!check.ok) throw new PolicyValidationError(check.problem, 'entry');
      if (this.hasWordKey.get(guildId, check.key) !== undefined) return undefined;
      if ((this.countWords.get(guildId) ?? 0) >= MAX_BLOCKED_WORDS) {
        throw new PolicyValidationError(moderationText.tooManyEntries(MAX_BLOCKED_WORDS), 'entry');
      }
      const at = this.now();
      if (this.insertWord.run(guildId, check.key, check.entry, check.kind, actorId, at).changes === 0) return undefined;
      this.wordChanges.count++;
      return this.audit.record(guildId, actorId, { action: 'word.add', detail: { entry: check.entry, kind: check.kind } }, at);
    });
    this.removeWordTx = db.transaction((guildId: string, raw: string, actorId: string): AuditEntry | undefined => {
      const check = checkBlockedEntry(raw);
      const text = raw.trim();
      const removed = this.deleteWord.get(guildId, check.ok ? check.key : text, text);
      if (!removed) return undefined;
      this.wordChanges.count++;
      return this.audit.record(guildId, actorId, { action: 'word.remove', detail: { entry: removed.entry, kind: removed.kind } }, this.now());
    });
  }

  /** The server's policy; the defaults when it never changed anything. */
  get(guildId: string): GuildPolicy {
    requireId('guildId', guildId);
    const row = this.selectPolicy.get(guildId);
    return row ? toPolicy(row) : defaultPolicy(guildId);
  }

  /**
   * Changes the settings named in `patch` (untrusted input is fine: it is validated), writing the
   * audit row in the same transaction. Throws PolicyValidationError with a message for the admin.
   */
  update(guildId: string, patch: PolicyPatch, actorId: string): PolicyUpdate {
    requireId('guildId', guildId);
    requireId('actorId', actorId);
    return this.updateTx.immediate(guildId, patch, actorId);
  }

  /** Adds ids to and removes ids from one list setting (removal first; model ids case-insensitively). */
  editList(guildId: string, field: PolicyListField, edit: ListEdit, actorId: string): PolicyUpdate {
    requireId('guildId', guildId);
    requireId('actorId', actorId);
    return this.editListTx.immediate(guildId, field, edit, actorId);
  }

  /** Back to the defaults (one audited change listing every setting that differed). */
  reset(guildId: string, actorId: string): PolicyUpdate {
    return this.update(guildId, settingsOf(defaultPolicy(guildId)), actorId);
  }

  // ---- role quotas -------------------------------------------------------------------------

  /** Sets a role's daily image quota (null = unlimited). Undefined when it already had that quota. */
  setRoleQuota(guildId: string, roleId: string, dailyQuota: number | null, actorId: string): AuditEntry | undefined {
    requireId('guildId', guildId);
    requireSnowflake('roleId', roleId);
    requireId('actorId', actorId);
    return this.setRoleQuotaTx.immediate(guildId, roleId, checkDailyQuota(dailyQuota), actorId);
  }

  /** Removes a role's own quota (its members fall back to the server's). Undefined when it had none. */
  clearRoleQuota(guildId: string, roleId: string, actorId: string): AuditEntry | undefined {
    requireId('guildId', guildId);
    requireId('actorId', actorId);
    return this.clearRoleQuotaTx.immediate(guildId, roleId, actorId);
  }

  listRoleQuotas(guildId: string): RoleQuota[] {
    return this.selectRoleQuotas.all(guildId).map((row) => ({
      roleId: row.role_id,
      dailyQuota: row.daily_quota,
      updatedBy: row.updated_by,
      updatedAt: row.updated_at,
    }));
  }

  /** A member's daily image quota from the server's and their roles' quotas; null = unlimited. */
  dailyQuotaFor(guildId: string, memberRoleIds: readonly string[], policy: GuildPolicy = this.get(guildId)): number | null {
    return effectiveDailyQuota(policy.dailyQuota, this.listRoleQuotas(guildId), memberRoleIds);
  }

  // ---- blocked users -----------------------------------------------------------------------

  /** Blocks a user (or changes the reason). Undefined when already blocked with the same reason. */
  block(guildId: string, userId: string, actorId: string, reason?: string | null): AuditEntry | undefined {
    requireId('guildId', guildId);
    requireSnowflake('userId', userId);
    requireId('actorId', actorId);
    return this.blockTx.immediate(guildId, userId, actorId, cleanReason(reason));
  }

  /** Undefined when the user was not blocked. */
  unblock(guildId: string, userId: string, actorId: string): AuditEntry | undefined {
    requireId('guildId', guildId);
    requireId('actorId', actorId);
    return this.unblockTx.immediate(guildId, userId, actorId);
  }

  isBlocked(guildId: string, userId: string): boolean {
    return this.selectBlockedUser.get(guildId, userId) !== undefined;
  }

  getBlock(guildId: string, userId: string): BlockedUser | undefined {
    const row = this.selectBlockedUser.get(guildId, userId);
    return row && { userId: row.user_id, reason: row.reason, blockedBy: row.blocked_by, blockedAt: row.blocked_at };
  }

  listBlocked(guildId: string): BlockedUser[] {
    return this.selectBlockedUsers
      .all(guildId)
      .map((row) => ({ userId: row.user_id, reason: row.reason, blockedBy: row.blocked_by, blockedAt: row.blocked_at }));
  }

  // ---- blocked words -----------------------------------------------------------------------

  /**
   * Adds a word, phrase or `/regex/flags`. Throws PolicyValidationError when the entry is unusable
   * (bad or risky regex, nothing to match) or the list is full; undefined when an entry with the
   * same normalised spelling is already there.
   */
  addBlockedWord(guildId: string, entry: string, actorId: string): AuditEntry | undefined {
    requireId('guildId', guildId);
    requireId('actorId', actorId);
    return this.addWordTx.immediate(guildId, entry, actorId);
  }

  /** Removes the entry with this spelling or normalised spelling; undefined when there is none. */
  removeBlockedWord(guildId: string, entry: string, actorId: string): AuditEntry | undefined {
    requireId('guildId', guildId);
    requireId('actorId', actorId);
    return this.removeWordTx.immediate(guildId, entry, actorId);
  }

  /** In the order they were added. */
  listBlockedWords(guildId: string): BlockedWord[] {
    return this.selectWords
      .all(guildId)
      .map((row) => ({ entry: row.entry, kind: row.kind, addedBy: row.added_by, addedAt: row.added_at }));
  }

  /**
   * The server's compiled word filter; recompiled only when its entries changed (by any process).
   * While nothing was committed to the database since the last read (PRAGMA data_version for other
   * connections, a local count for this one's word changes), no row is read at all; otherwise the
   * entries are read again and the filter is kept when they are the same.
   */
  wordFilter(guildId: string): WordFilter {
    const dataVersion = this.selectDataVersion.get() ?? 0;
    const localChanges = this.wordChanges.count;
    const cached = this.filters.get(guildId);
    if (cached && cached.dataVersion === dataVersion && cached.localChanges === localChanges) return cached.filter;
    const entries = this.selectWordEntries.all(guildId);
    const key = entries.join('\n');
    const filter = cached && cached.key === key ? cached.filter : compileWordFilter(entries);
    this.filters.set(guildId, { key, filter, dataVersion, localChanges });
    return filter;
  }

  /** The policy, word filter and block state for one /imagine, for `admit`. */
  admissionContext(guildId: string, userId: string): AdmissionContext {
    return { policy: this.get(guildId), filter: this.wordFilter(guildId), userBlocked: this.isBlocked(guildId, userId) };
  }

  private applyPatch(guildId: string, patch: unknown, actorId: string): PolicyUpdate {
    const current = this.get(guildId);
    const { settings, changes } = applyPolicyPatch(settingsOf(current), patch);
    if (changes.length === 0) return { policy: current, changes, audit: undefined };
    const at = this.now();
    this.upsertPolicy.run(toRow(guildId, settings, actorId, at));
    const audit = this.audit.record(guildId, actorId, { action: 'policy.update', detail: { changes } }, at);
    return { policy: { ...settings, guildId, updatedAt: at, updatedBy: actorId }, changes, audit };
  }
}
