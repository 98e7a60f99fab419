// A server's prompt settings: whether /imagine rewrites prompts with the chat model by default
// (enhance), and whether that rewrite may translate the prompt to English for FLUX models. A server
// without a row has both off.
//
// A change is audited like a policy change: the audit row (prompt_settings.update, one entry per
// setting changed) is written in the same transaction as the row, so neither is stored without the
// other. A patch that changes nothing writes nothing and audits nothing.
// Schema: schema/creative.ts. Snowflakes are strings, never numbers.
//
// Every /imagine in a server reads them: kept in memory and checked against settings_version
// (settingsCache.ts, which says why that is correct across processes); a write tells the cache.
import { AuditLog, type PromptSettingChange } from './auditLog.js';
import type { Database } from './database.js';
import { requireId } from './rowValues.js';
import { SettingsCache, SettingsVersion } from './settingsCache.js';

export interface PromptSettings {
  /** /imagine enhances the prompt unless the member says `--raw` (or enhance: False). */
  enhanceDefault: boolean;
  /** The rewrite may translate the prompt to English for FLUX models. */
  translateForFlux: boolean;
}

export const DEFAULT_PROMPT_SETTINGS: Readonly<PromptSettings> = Object.freeze({
  enhanceDefault: false,
  translateForFlux: false,
});

const KEYS = ['enhanceDefault', 'translateForFlux'] as const satisfies ReadonlyArray<keyof PromptSettings>;

interface SettingsRow {
  enhance_default: number;
  translate_for_flux: number;
}

export class PromptSettingsStore {
  private readonly audit: AuditLog;
  private readonly selectRow;
  private readonly upsertRow;
  private readonly setTx;
  private readonly cached: SettingsCache<PromptSettings>;

  /** `audit`: the log the changes are recorded in (the bot's shared one); one over `db` by default. */
  constructor(db: Database, audit?: AuditLog) {
    this.audit = audit ?? new AuditLog(db);
    this.cached = new SettingsCache(db);
    const version = SettingsVersion.of(db);
    this.selectRow = db.prepare<[string], SettingsRow>(
      'SELECT enhance_default, translate_for_flux FROM guild_prompt_settings WHERE guild_id = ?',
    );
    this.upsertRow = db.prepare<Record<string, unknown>>(`
      INSERT INTO guild_prompt_settings (guild_id, enhance_default, translate_for_flux, updated_by, updated_at)
      VALUES (@guild_id, @enhance_default, @translate_for_flux, @updated_by, @updated_at)
      ON CONFLICT (guild_id) DO UPDATE SET
        enhance_default = excluded.enhance_default, translate_for_flux = excluded.translate_for_flux,
        updated_by = excluded.updated_by, updated_at = excluded.updated_at`);
    this.setTx = db.transaction(
      (guildId: string, patch: Partial<PromptSettings>, by: string, now: number): PromptSettings => {
        const before = this.get(guildId);
        const after: PromptSettings = { ...before };
        for (const key of KEYS) {
          const value = patch[key];
          if (value !== undefined) after[key] = value;
        }
        const changes: PromptSettingChange[] = KEYS.filter((key) => before[key] !== after[key]).map((field) => ({
          field,
          from: before[field],
          to: after[field],
        }));
        if (changes.length === 0) return after;
        this.upsertRow.run({
          guild_id: guildId,
          enhance_default: after.enhanceDefault ? 1 : 0,
          translate_for_flux: after.translateForFlux ? 1 : 0,
          updated_by: by,
          updated_at: now,
        });
        version.changed();
        this.audit.record(guildId, by, { action: 'prompt_settings.update', detail: { changes } }, now);
        return after;
      },
    );
  }

  /** The server's settings; both off when it never set them. A copy of the cached value: the caller's to change. */
  get(guildId: string): PromptSettings {
    requireId('guildId', guildId);
    const settings = this.cached.read(guildId, () => {
      const row = this.selectRow.get(guildId);
      if (!row) return DEFAULT_PROMPT_SETTINGS;
      return { enhanceDefault: row.enhance_default === 1, translateForFlux: row.translate_for_flux === 1 };
    });
    return { ...settings };
  }

  /** Applies the patch (absent fields stay), audited as done by `by`, and returns the settings as they now are. */
  set(guildId: string, patch: Partial<PromptSettings>, by: string, now: number = Date.now()): PromptSettings {
    requireId('guildId', guildId);
    requireId('by', by);
    for (const [key, value] of Object.entries(patch)) {
      if (!(KEYS as readonly string[]).includes(key)) throw new TypeError(`unknown prompt setting: ${key}`);
      if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`${key} must be a boolean`);
    }
    return this.setTx.immediate(guildId, patch, by, now);
  }
}
