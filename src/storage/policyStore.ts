// The rows of each server's policy, role quotas, blocked users and blocked words, over the shared
// database handle. Rows only: validation, defaults, the audit row that goes with every change and
// the compiled word filter are the policy service's (src/policy/), which makes each change in one
// `immediate` transaction of this store.
//
// What every request reads — a server's policy, its blocked users, its role quotas — is kept in
// memory and checked against settings_version (settingsCache.ts, which says why that is correct
// across processes); every write here tells the cache. The word entries are read when that counter
// moved, by the policy service's filter cache, which keeps the compiled filter.
//
// Snowflakes are strings, never numbers (they exceed 2^53).
import type { GuildPolicy } from '../moderation/guildPolicy.js';
import type { Database } from './database.js';
import { parseStringList, requireId } from './rowValues.js';
import { frozen, SettingsCache, SettingsVersion } from './settingsCache.js';

export type BlockedEntryKind = 'word' | 'regex';

/** A stored policy: always changed by someone at some time. */
export type StoredPolicy = GuildPolicy & { updatedAt: number; updatedBy: string };

export interface RoleQuota {
  roleId: string;
  /** Images per day for members with this role; null = unlimited. */
  dailyQuota: number | null;
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

function toPolicy(row: PolicyDbRow): StoredPolicy {
  return {
    guildId: row.guild_id,
    allowedModels: parseStringList(row.allowed_models),
    allowedChannels: parseStringList(row.allowed_channels),
    spoilerChannels: parseStringList(row.spoiler_channels),
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

function toRow(policy: StoredPolicy): PolicyDbRow {
  return {
    guild_id: policy.guildId,
    allowed_models: JSON.stringify(policy.allowedModels),
    allowed_channels: JSON.stringify(policy.allowedChannels),
    spoiler_channels: JSON.stringify(policy.spoilerChannels),
    safety_normal_default: policy.safetyNormalDefault,
    safety_normal_max: policy.safetyNormalMax,
    safety_nsfw_default: policy.safetyNsfwDefault,
    safety_nsfw_max: policy.safetyNsfwMax,
    daily_quota: policy.dailyQuota,
    cooldown_seconds: policy.cooldownSeconds,
    daily_budget_usd: policy.dailyBudgetUsd,
    monthly_budget_usd: policy.monthlyBudgetUsd,
    log_channel_id: policy.logChannelId,
    updated_at: policy.updatedAt,
    updated_by: policy.updatedBy,
  };
}

function toRoleQuota(row: RoleQuotaDbRow): RoleQuota {
  return { roleId: row.role_id, dailyQuota: row.daily_quota, updatedBy: row.updated_by, updatedAt: row.updated_at };
}

function toBlockedUser(row: BlockedUserDbRow): BlockedUser {
  return { userId: row.user_id, reason: row.reason, blockedBy: row.blocked_by, blockedAt: row.blocked_at };
}

export class PolicyStore {
  private readonly selectPolicy;
  private readonly upsertPolicy;
  private readonly selectRoleQuotas;
  private readonly selectRoleQuota;
  private readonly upsertRoleQuota;
  private readonly deleteRoleQuotaRow;
  private readonly selectBlockedUsers;
  private readonly upsertBlockedUser;
  private readonly deleteBlockedUserRow;
  private readonly selectWords;
  private readonly selectWordEntries;
  private readonly countWords;
  private readonly hasWordKey;
  private readonly insertWord;
  private readonly deleteWordRow;
  private readonly policies: SettingsCache<StoredPolicy | undefined>;
  /** Each server's whole list, by user: a member never seen before costs no read (a burst is mostly such members). */
  private readonly blocks: SettingsCache<ReadonlyMap<string, BlockedUser>>;
  private readonly quotas: SettingsCache<RoleQuota[]>;
  /** Told of every write here, so that this process's next read sees it (settingsCache.ts). */
  private readonly version: SettingsVersion;

  constructor(private readonly db: Database) {
    this.version = SettingsVersion.of(db);
    this.policies = new SettingsCache(db);
    this.blocks = new SettingsCache(db);
    this.quotas = new SettingsCache(db);
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

    // Text sorts as bytes on both databases (COLLATE "binary", schema/postgres.ts).
    this.selectRoleQuotas = db.prepare<[string], RoleQuotaDbRow>(
      'SELECT role_id, daily_quota, updated_by, updated_at FROM role_quota WHERE guild_id = ? ORDER BY role_id COLLATE "binary"',
    );
    this.selectRoleQuota = db.prepare<[string, string], RoleQuotaDbRow>(
      'SELECT role_id, daily_quota, updated_by, updated_at FROM role_quota WHERE guild_id = ? AND role_id = ?',
    );
    this.upsertRoleQuota = db.prepare<[string, string, number | null, string, number]>(`
      INSERT INTO role_quota (guild_id, role_id, daily_quota, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (guild_id, role_id) DO UPDATE SET
        daily_quota = excluded.daily_quota, updated_by = excluded.updated_by, updated_at = excluded.updated_at`);
    this.deleteRoleQuotaRow = db.prepare<[string, string]>('DELETE FROM role_quota WHERE guild_id = ? AND role_id = ?');

    this.selectBlockedUsers = db.prepare<[string], BlockedUserDbRow>(
      'SELECT user_id, reason, blocked_by, blocked_at FROM blocked_users WHERE guild_id = ? ORDER BY blocked_at, user_id COLLATE "binary"',
    );
    this.upsertBlockedUser = db.prepare<[string, string, string | null, string, number]>(`
      INSERT INTO blocked_users (guild_id, user_id, reason, blocked_by, blocked_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (guild_id, user_id) DO UPDATE SET
        reason = excluded.reason, blocked_by = excluded.blocked_by, blocked_at = excluded.blocked_at`);
    this.deleteBlockedUserRow = db.prepare<[string, string]>('DELETE FROM blocked_users WHERE guild_id = ? AND user_id = ?');

    // rowid order = the order entries were added, which is the order the filter reports them in.
    // (SQLite's implicit rowid; PostgreSQL's table has an identity column of that name, schema/postgres.ts.)
    this.selectWords = db.prepare<[string], BlockedWordDbRow>(
      'SELECT entry, kind, added_by, added_at FROM guild_blocked_words WHERE guild_id = ? ORDER BY rowid',
    );
    this.selectWordEntries = db
      .prepare<[string], string>('SELECT entry FROM guild_blocked_words WHERE guild_id = ? ORDER BY rowid')
      .pluck();
    this.countWords = db.prepare<[string], number>('SELECT COUNT(*) FROM guild_blocked_words WHERE guild_id = ?').pluck();
    this.hasWordKey = db
      .prepare<[string, string], number>('SELECT 1 FROM guild_blocked_words WHERE guild_id = ? AND match_key = ?')
      .pluck();
    this.insertWord = db.prepare<[string, string, string, string, string, number]>(`
      INSERT INTO guild_blocked_words (guild_id, match_key, entry, kind, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (guild_id, match_key) DO NOTHING`);
    this.deleteWordRow = db.prepare<[string, string, string], { entry: string; kind: BlockedEntryKind }>(
      'DELETE FROM guild_blocked_words WHERE guild_id = ? AND (match_key = ? OR entry = ?) RETURNING entry, kind',
    );
  }

  /** Runs `fn` in one IMMEDIATE transaction (safe against another process writing at the same time). */
  immediate<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // ---- policy ------------------------------------------------------------------------------

  /** Undefined when the server never changed anything. Cached (frozen): read on every request. */
  policy(guildId: string): StoredPolicy | undefined {
    requireId('guildId', guildId);
    return this.policies.read(guildId, () => {
      const row = this.selectPolicy.get(guildId);
      return row && frozen(toPolicy(row));
    });
  }

  savePolicy(policy: StoredPolicy): void {
    requireId('guildId', policy.guildId);
    requireId('updatedBy', policy.updatedBy);
    this.upsertPolicy.run(toRow(policy));
    this.version.changed();
  }

  // ---- role quotas -------------------------------------------------------------------------

  roleQuota(guildId: string, roleId: string): RoleQuota | undefined {
    const row = this.selectRoleQuota.get(guildId, roleId);
    return row && toRoleQuota(row);
  }

  /** Cached (frozen): every request in a server reads them for the member's quota. */
  roleQuotas(guildId: string): RoleQuota[] {
    return this.quotas.read(guildId, () => frozen(this.selectRoleQuotas.all(guildId).map(toRoleQuota)));
  }

  saveRoleQuota(guildId: string, quota: Omit<RoleQuota, 'updatedAt'>, at: number): void {
    requireId('guildId', guildId);
    requireId('roleId', quota.roleId);
    requireId('updatedBy', quota.updatedBy);
    this.upsertRoleQuota.run(guildId, quota.roleId, quota.dailyQuota, quota.updatedBy, at);
    this.version.changed();
  }

  /** False when the role had no quota of its own. */
  deleteRoleQuota(guildId: string, roleId: string): boolean {
    const deleted = this.deleteRoleQuotaRow.run(guildId, roleId).changes > 0;
    this.version.changed();
    return deleted;
  }

  // ---- blocked users -----------------------------------------------------------------------

  /** Every request in a server asks: answered from the server's cached list (frozen). */
  blockedUser(guildId: string, userId: string): BlockedUser | undefined {
    return this.blockList(guildId).get(userId);
  }

  /** In the order they were blocked. */
  blockedUsers(guildId: string): BlockedUser[] {
    return [...this.blockList(guildId).values()];
  }

  private blockList(guildId: string): ReadonlyMap<string, BlockedUser> {
    return this.blocks.read(guildId, () => new Map(this.selectBlockedUsers.all(guildId).map((row) => [row.user_id, frozen(toBlockedUser(row))])));
  }

  saveBlockedUser(guildId: string, block: BlockedUser): void {
    requireId('guildId', guildId);
    requireId('userId', block.userId);
    requireId('blockedBy', block.blockedBy);
    this.upsertBlockedUser.run(guildId, block.userId, block.reason, block.blockedBy, block.blockedAt);
    this.version.changed();
  }

  /** False when the user was not blocked. */
  deleteBlockedUser(guildId: string, userId: string): boolean {
    const deleted = this.deleteBlockedUserRow.run(guildId, userId).changes > 0;
    this.version.changed();
    return deleted;
  }

  // ---- blocked words -----------------------------------------------------------------------

  /** In the order they were added. */
  blockedWords(guildId: string): BlockedWord[] {
    return this.selectWords
      .all(guildId)
      .map((row) => ({ entry: row.entry, kind: row.kind, addedBy: row.added_by, addedAt: row.added_at }));
  }

  /** Just the entries, in the order they were added (read each time: the policy service caches the compiled filter). */
  wordEntries(guildId: string): string[] {
    return this.selectWordEntries.all(guildId);
  }

  wordCount(guildId: string): number {
    return this.countWords.get(guildId) ?? 0;
  }

  /** Whether an entry with this normalised spelling (match key) is there. */
  hasWord(guildId: string, matchKey: string): boolean {
    return this.hasWordKey.get(guildId, matchKey) !== undefined;
  }

  /** False when an entry with the same match key is already there. */
  saveWord(guildId: string, matchKey: string, word: BlockedWord): boolean {
    requireId('guildId', guildId);
    requireId('addedBy', word.addedBy);
    const saved = this.insertWord.run(guildId, matchKey, word.entry, word.kind, word.addedBy, word.addedAt).changes > 0;
    this.version.changed();
    return saved;
  }

  /** Deletes the entry with this match key or this spelling; what was deleted, if anything. */
  deleteWord(guildId: string, matchKey: string, entry: string): Pick<BlockedWord, 'entry' | 'kind'> | undefined {
    const removed = this.deleteWordRow.get(guildId, matchKey, entry);
    this.version.changed();
    return removed;
  }
}
