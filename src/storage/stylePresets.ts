// Each server's style presets: a name its admins chose for a prompt prefix and suffix, with an
// optional model and size, offered by /imagine's `style` option. Names are case-insensitive (stored
// lowercase). Rows only: whether the model or size exists is the command's check, against the catalog.
//
// Every change is an admin's, audited like a policy change: the audit row (style.add, style.replace,
// style.remove) is written in the same transaction as the change, so neither is stored without the
// other. Schema: schema/creative.ts. Snowflakes are strings, never numbers.
//
// A /imagine with a style and the style option's autocomplete read the server's list: kept in memory
// and checked against settings_version (settingsCache.ts, which says why that is correct across
// processes); every write tells the cache.
import { AuditLog, type StylePresetDetail } from './auditLog.js';
import type { Database } from './database.js';
import { requireId } from './rowValues.js';
import { frozen, SettingsCache, SettingsVersion } from './settingsCache.js';

export interface StylePreset {
  guildId: string;
  /** Lowercase. */
  name: string;
  /** Put before the member's prompt; may be empty. */
  prefix: string;
  /** Put after the member's prompt; may be empty. */
  suffix: string;
  /** The model the style uses unless the member names one; null: the usual choice. */
  model: string | null;
  /** Likewise for the size. */
  size: string | null;
  createdBy: string;
  createdAt: number;
}

export type StylePresetUpsertResult = 'added' | 'replaced' | 'limit';

/** Presets a server may keep: Discord's autocomplete shows at most 25. */
export const MAX_STYLE_PRESETS = 25;
/** Longest preset name, like a Discord option name. */
export const MAX_STYLE_NAME = 32;
/** Longest prefix or suffix. */
export const MAX_STYLE_TEXT = 1_000;
/** Longest model or size value kept. */
const MAX_SETTING_TEXT = 100;

interface PresetRow {
  guild_id: string;
  name: string;
  prefix: string;
  suffix: string;
  model: string | null;
  size: string | null;
  created_by: string;
  created_at: number;
}

function toPreset(row: PresetRow): StylePreset {
  return {
    guildId: row.guild_id,
    name: row.name,
    prefix: row.prefix,
    suffix: row.suffix,
    model: row.model,
    size: row.size,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

/** The stored form of a preset name: trimmed, lowercase. */
export function styleKey(name: string): string {
  return name.trim().toLowerCase();
}

function detailOf(preset: StylePreset | PresetRow): StylePresetDetail {
  return { name: preset.name, prefix: preset.prefix, suffix: preset.suffix, model: preset.model, size: preset.size };
}

function checkPreset(preset: StylePreset): StylePreset {
  requireId('guildId', preset.guildId);
  requireId('createdBy', preset.createdBy);
  if (typeof preset.name !== 'string') throw new TypeError('style name must be a string');
  const name = styleKey(preset.name);
  if (name === '' || name.length > MAX_STYLE_NAME) throw new TypeError(`style name must be 1–${MAX_STYLE_NAME} characters`);
  for (const field of ['prefix', 'suffix'] as const) {
    const value = preset[field];
    if (typeof value !== 'string' || value.length > MAX_STYLE_TEXT) {
      throw new TypeError(`style ${field} must be a string of at most ${MAX_STYLE_TEXT} characters`);
    }
  }
  for (const field of ['model', 'size'] as const) {
    const value = preset[field];
    if (value !== null && (typeof value !== 'string' || value.trim() === '' || value.length > MAX_SETTING_TEXT)) {
      throw new TypeError(`style ${field} must be null or a non-empty string of at most ${MAX_SETTING_TEXT} characters`);
    }
  }
  if (!Number.isFinite(preset.createdAt)) throw new TypeError('createdAt must be epoch milliseconds');
  return {
    ...preset,
    name,
    prefix: preset.prefix.trim(),
    suffix: preset.suffix.trim(),
    model: preset.model?.trim() ?? null,
    size: preset.size?.trim() ?? null,
  };
}

export class StylePresetStore {
  private readonly audit: AuditLog;
  private readonly selectAll;
  private readonly selectOne;
  private readonly countAll;
  private readonly upsertRow;
  private readonly deleteRow;
  private readonly upsertTx;
  private readonly removeTx;
  private readonly cached: SettingsCache<StylePreset[]>;

  /** `audit`: the log the changes are recorded in (the bot's shared one); one over `db` by default. */
  constructor(db: Database, audit?: AuditLog) {
    this.audit = audit ?? new AuditLog(db);
    this.cached = new SettingsCache(db);
    const version = SettingsVersion.of(db);
    // By bytes on both databases (COLLATE "binary", schema/postgres.ts).
    this.selectAll = db.prepare<[string], PresetRow>('SELECT * FROM style_presets WHERE guild_id = ? ORDER BY name COLLATE "binary"');
    this.selectOne = db.prepare<[string, string], PresetRow>('SELECT * FROM style_presets WHERE guild_id = ? AND name = ?');
    this.countAll = db.prepare<[string], number>('SELECT COUNT(*) FROM style_presets WHERE guild_id = ?').pluck();
    this.upsertRow = db.prepare<Record<string, unknown>>(`
      INSERT INTO style_presets (guild_id, name, prefix, suffix, model, size, created_by, created_at)
      VALUES (@guild_id, @name, @prefix, @suffix, @model, @size, @created_by, @created_at)
      ON CONFLICT (guild_id, name) DO UPDATE SET
        prefix = excluded.prefix, suffix = excluded.suffix, model = excluded.model, size = excluded.size,
        created_by = excluded.created_by, created_at = excluded.created_at`);
    this.deleteRow = db.prepare<[string, string]>('DELETE FROM style_presets WHERE guild_id = ? AND name = ?');

    // The count and the write in one IMMEDIATE transaction, so two adds at once cannot pass the limit.
    this.upsertTx = db.transaction((preset: StylePreset): StylePresetUpsertResult => {
      const existing = this.selectOne.get(preset.guildId, preset.name);
      if (!existing && (this.countAll.get(preset.guildId) ?? 0) >= MAX_STYLE_PRESETS) return 'limit';
      this.upsertRow.run({
        guild_id: preset.guildId,
        name: preset.name,
        prefix: preset.prefix,
        suffix: preset.suffix,
        model: preset.model,
        size: preset.size,
        created_by: preset.createdBy,
        created_at: preset.createdAt,
      });
      version.changed();
      const detail = detailOf(preset);
      const event = existing
        ? { action: 'style.replace' as const, detail: { ...detail, previous: detailOf(existing) } }
        : { action: 'style.add' as const, detail };
      this.audit.record(preset.guildId, preset.createdBy, event, preset.createdAt);
      return existing ? 'replaced' : 'added';
    });
    this.removeTx = db.transaction((guildId: string, name: string, by: string, now: number): boolean => {
      const existing = this.selectOne.get(guildId, name);
      if (!existing) return false;
      this.deleteRow.run(guildId, name);
      version.changed();
      this.audit.record(guildId, by, { action: 'style.remove', detail: detailOf(existing) }, now);
      return true;
    });
  }

  /** The server's presets, by name. Cached (frozen). */
  list(guildId: string): StylePreset[] {
    requireId('guildId', guildId);
    return this.cached.read(guildId, () => frozen(this.selectAll.all(guildId).map(toPreset)));
  }

  /** The preset of that name, in any case; undefined when the server has none. From the (cached) list: at most 25. */
  get(guildId: string, name: string): StylePreset | undefined {
    if (typeof name !== 'string') return undefined;
    const key = styleKey(name);
    return this.list(guildId).find((preset) => preset.name === key);
  }

  /**
   * Adds the preset, or replaces the one of that name (any case), audited as done by `createdBy` at
   * `createdAt`. 'limit' when the server already has MAX_STYLE_PRESETS and this is a new name:
   * nothing is written or audited then.
   */
  upsert(preset: StylePreset): StylePresetUpsertResult {
    return this.upsertTx.immediate(checkPreset(preset));
  }

  /** Removes the preset of that name (any case), audited as done by `by`; false, with nothing audited, when there was none. */
  remove(guildId: string, name: string, by: string, now: number = Date.now()): boolean {
    requireId('guildId', guildId);
    requireId('by', by);
    if (typeof name !== 'string') return false;
    return this.removeTx.immediate(guildId, styleKey(name), by, now);
  }
}
