// A member's own defaults for /imagine (/settings) and their prompt shortcuts (`--name` expanding to
// text, like Midjourney's /prefer option), over the shared database handle. Both follow the member
// across servers: a server's policy still caps what they ask for, at request time.
//
// Rows only: whether a model, size or quality exists (and whether a shortcut's text parses) is the
// command's check, against the catalog. Here: the types, the lengths and the 25-shortcut limit.
// Schema: schema/creative.ts. Snowflakes are strings, never numbers (they exceed 2^53).
//
// Every /imagine reads the member's defaults and shortcuts: both are kept in memory and checked
// against settings_version (settingsCache.ts, which says why that is correct across processes);
// every write here tells the cache.
import type { Database } from './database.js';
import { requireId } from './rowValues.js';
import { frozen, SettingsCache, SettingsVersion } from './settingsCache.js';

/** A member's defaults; an absent field is not set (the server's or the model's default applies). */
export interface MemberDefaults {
  model?: string;
  size?: string;
  quality?: string;
  enhance?: boolean;
  private?: boolean;
}

/** A change to the defaults: a value sets the field, null clears it, absent leaves it. */
export type MemberDefaultsPatch = { [K in keyof MemberDefaults]?: MemberDefaults[K] | null };

export interface MemberShortcut {
  /** Lowercase, without the leading `--`. */
  name: string;
  value: string;
}

export type ShortcutAddResult = 'added' | 'replaced' | 'limit';

/** Shortcuts a member may keep; Discord's autocomplete shows at most 25 too. */
export const MAX_SHORTCUTS = 25;
/** Longest shortcut name, like a Discord option name. */
export const MAX_SHORTCUT_NAME = 32;
/** Longest text a shortcut expands to. */
export const MAX_SHORTCUT_VALUE = 500;
/** Longest model, size or quality value kept (ids and `1024x1024` / `2:3` are far shorter). */
const MAX_SETTING_TEXT = 100;

const TEXT_FIELDS = ['model', 'size', 'quality'] as const satisfies ReadonlyArray<keyof MemberDefaults>;
const FLAG_FIELDS = ['enhance', 'private'] as const satisfies ReadonlyArray<keyof MemberDefaults>;
const FIELDS: ReadonlySet<string> = new Set<string>([...TEXT_FIELDS, ...FLAG_FIELDS]);

interface SettingsRow {
  model: string | null;
  size: string | null;
  quality: string | null;
  enhance: number | null;
  private: number | null;
}

/** The member's defaults (all null when none) beside one of their shortcuts (null when none). */
interface MemberRow extends SettingsRow {
  name: string | null;
  value: string | null;
}

/** What a request reads of a member: both, cached together (one statement when not in memory). */
interface MemberView {
  defaults: MemberDefaults;
  shortcuts: MemberShortcut[];
}

function toDefaults(row: SettingsRow | undefined): MemberDefaults {
  const defaults: MemberDefaults = {};
  if (!row) return defaults;
  for (const field of TEXT_FIELDS) {
    const value = row[field];
    if (value !== null) defaults[field] = value;
  }
  for (const field of FLAG_FIELDS) {
    const value = row[field];
    if (value !== null) defaults[field] = value === 1;
  }
  return defaults;
}

function flag(value: boolean | undefined): number | null {
  return value === undefined ? null : value ? 1 : 0;
}

function checkPatch(patch: MemberDefaultsPatch): void {
  for (const [field, value] of Object.entries(patch)) {
    if (!FIELDS.has(field)) throw new TypeError(`unknown member setting: ${field}`);
    if (value === undefined || value === null) continue;
    if ((FLAG_FIELDS as readonly string[]).includes(field)) {
      if (typeof value !== 'boolean') throw new TypeError(`${field} must be a boolean or null`);
    } else if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_SETTING_TEXT) {
      throw new TypeError(`${field} must be a non-empty string of at most ${MAX_SETTING_TEXT} characters, or null`);
    }
  }
}

/** The stored form of a shortcut name: trimmed, lowercase, without a leading `--`. */
export function shortcutKey(name: string): string {
  return name.trim().replace(/^--/, '').toLowerCase();
}

function checkShortcutName(name: string): void {
  if (name === '' || name.length > MAX_SHORTCUT_NAME || /\s/u.test(name)) {
    throw new TypeError(`shortcut name must be 1–${MAX_SHORTCUT_NAME} characters without spaces`);
  }
}

export class MemberSettingsStore {
  private readonly selectSettings;
  private readonly upsertSettings;
  private readonly deleteSettings;
  private readonly selectMember;
  private readonly selectShortcut;
  private readonly countShortcuts;
  private readonly upsertShortcut;
  private readonly deleteShortcut;
  private readonly setTx;
  private readonly addShortcutTx;
  private readonly members: SettingsCache<MemberView>;
  private readonly version: SettingsVersion;

  constructor(db: Database) {
    this.members = new SettingsCache(db);
    this.version = SettingsVersion.of(db);
    this.selectSettings = db.prepare<[string], SettingsRow>(
      'SELECT model, size, quality, enhance, private FROM member_settings WHERE user_id = ?',
    );
    this.upsertSettings = db.prepare<Record<string, unknown>>(`
      INSERT INTO member_settings (user_id, model, size, quality, enhance, private, updated_at)
      VALUES (@user_id, @model, @size, @quality, @enhance, @private, @updated_at)
      ON CONFLICT (user_id) DO UPDATE SET
        model = excluded.model, size = excluded.size, quality = excluded.quality, enhance = excluded.enhance,
        private = excluded.private, updated_at = excluded.updated_at`);
    this.deleteSettings = db.prepare<[string]>('DELETE FROM member_settings WHERE user_id = ?');
    // The defaults and the shortcuts of one member in one round trip: a row per shortcut (at least
    // one row, all null for a member who set nothing), shortcuts by bytes on both databases
    // (COLLATE "binary", schema/postgres.ts). CAST: PostgreSQL must know the parameter's type.
    this.selectMember = db.prepare<[string], MemberRow>(`
      SELECT s.model, s.size, s.quality, s.enhance, s.private, c.name, c.value
      FROM (SELECT CAST(? AS TEXT) AS user_id) AS member
      LEFT JOIN member_settings s ON s.user_id = member.user_id
      LEFT JOIN member_shortcuts c ON c.user_id = member.user_id
      ORDER BY c.name COLLATE "binary"`);
    this.selectShortcut = db
      .prepare<[string, string], number>('SELECT 1 FROM member_shortcuts WHERE user_id = ? AND name = ?')
      .pluck();
    this.countShortcuts = db.prepare<[string], number>('SELECT COUNT(*) FROM member_shortcuts WHERE user_id = ?').pluck();
    this.upsertShortcut = db.prepare<Record<string, unknown>>(`
      INSERT INTO member_shortcuts (user_id, name, value, created_at) VALUES (@user_id, @name, @value, @created_at)
      ON CONFLICT (user_id, name) DO UPDATE SET value = excluded.value, created_at = excluded.created_at`);
    this.deleteShortcut = db.prepare<[string, string]>('DELETE FROM member_shortcuts WHERE user_id = ? AND name = ?');

    // Read, merge and write in one transaction: two /settings at once each keep the other's field.
    this.setTx = db.transaction((userId: string, patch: MemberDefaultsPatch, now: number): MemberDefaults => {
      const merged: MemberDefaults = toDefaults(this.selectSettings.get(userId));
      for (const [field, value] of Object.entries(patch) as Array<[keyof MemberDefaults, unknown]>) {
        if (value === undefined) continue;
        if (value === null) delete merged[field];
        else (merged as Record<string, unknown>)[field] = typeof value === 'string' ? value.trim() : value;
      }
      if (Object.keys(merged).length === 0) {
        this.deleteSettings.run(userId);
        return merged;
      }
      this.upsertSettings.run({
        user_id: userId,
        model: merged.model ?? null,
        size: merged.size ?? null,
        quality: merged.quality ?? null,
        enhance: flag(merged.enhance),
        private: flag(merged.private),
        updated_at: now,
      });
      return merged;
    });
    // The count and the insert in one IMMEDIATE transaction, so two adds at once cannot pass 25.
    this.addShortcutTx = db.transaction((userId: string, name: string, value: string, now: number): ShortcutAddResult => {
      const exists = this.selectShortcut.get(userId, name) !== undefined;
      if (!exists && (this.countShortcuts.get(userId) ?? 0) >= MAX_SHORTCUTS) return 'limit';
      this.upsertShortcut.run({ user_id: userId, name, value, created_at: now });
      return exists ? 'replaced' : 'added';
    });
  }

  /** The member's defaults; an empty object when they set none. Cached (frozen). */
  get(userId: string): MemberDefaults {
    requireId('userId', userId);
    return this.member(userId).defaults;
  }

  /** Applies the patch (null clears a field) and returns the defaults as they now are. */
  set(userId: string, patch: MemberDefaultsPatch, now: number = Date.now()): MemberDefaults {
    requireId('userId', userId);
    checkPatch(patch);
    const defaults = this.setTx.immediate(userId, patch, now);
    this.version.changed();
    return defaults;
  }

  /** Clears every default; the shortcuts stay (they are removed one by one). True when any was set. */
  reset(userId: string): boolean {
    requireId('userId', userId);
    const deleted = this.deleteSettings.run(userId).changes > 0;
    this.version.changed();
    return deleted;
  }

  /** The member's shortcuts, by name. Cached (frozen). */
  shortcuts(userId: string): MemberShortcut[] {
    requireId('userId', userId);
    return this.member(userId).shortcuts;
  }

  /** The member's shortcuts by name, for expanding `--name` in a prompt. */
  shortcutMap(userId: string): Map<string, string> {
    return new Map(this.shortcuts(userId).map((shortcut) => [shortcut.name, shortcut.value]));
  }

  private member(userId: string): MemberView {
    return this.members.read(userId, () => {
      const rows = this.selectMember.all(userId);
      const shortcuts = rows.flatMap((row) => (row.name === null || row.value === null ? [] : [{ name: row.name, value: row.value }]));
      return frozen({ defaults: toDefaults(rows[0]), shortcuts });
    });
  }

  /**
   * Adds the shortcut, or replaces the one of that name (names are case-insensitive; a leading `--`
   * is dropped). 'limit' when the member already has MAX_SHORTCUTS and this is a new name.
   */
  addShortcut(userId: string, name: string, value: string, now: number = Date.now()): ShortcutAddResult {
    requireId('userId', userId);
    if (typeof name !== 'string') throw new TypeError('shortcut name must be a string');
    const key = shortcutKey(name);
    checkShortcutName(key);
    if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_SHORTCUT_VALUE) {
      throw new TypeError(`shortcut value must be a non-empty string of at most ${MAX_SHORTCUT_VALUE} characters`);
    }
    const result = this.addShortcutTx.immediate(userId, key, value.trim(), now);
    this.version.changed();
    return result;
  }

  /** Removes the shortcut (any case, with or without `--`); false when the member had none of that name. */
  removeShortcut(userId: string, name: string): boolean {
    requireId('userId', userId);
    if (typeof name !== 'string') return false;
    const deleted = this.deleteShortcut.run(userId, shortcutKey(name)).changes > 0;
    this.version.changed();
    return deleted;
  }
}
