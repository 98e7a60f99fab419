// The settings every request reads are kept in memory per process and checked with ONE read of
// settings_version (migration 12; src/storage/settingsCache.ts). Two handles to one database play two
// processes: what one writes, the other sees at its next request; an unchanged counter costs one
// statement for everything a request reads. Statements are counted by wrapping the reader's prepare.
import { describe, expect, it } from 'vitest';
import { PolicyService } from '../../src/policy/index.js';
import { AuditLog } from '../../src/storage/auditLog.js';
import type { Database } from '../../src/storage/database.js';
import { MemberSettingsStore } from '../../src/storage/memberSettings.js';
import { PromptSettingsStore } from '../../src/storage/promptSettings.js';
import { SettingsCache, SettingsVersion } from '../../src/storage/settingsCache.js';
import { StylePresetStore } from '../../src/storage/stylePresets.js';
import { databasesClosedAfterEach, TEST_DATABASES, type DatabaseKind } from '../helpers/databases.js';
import { nextRequest } from '../helpers/nextRequest.js';

const GUILD = '987654321098765432';
const ADMIN = '1234567890123456789';
const USER = '1234567890123456781';
const ROLE = '555555555555555551';
const COUNTER_READ = 'SELECT version FROM settings_version WHERE id = 1';

/** The tables migration 12 watches (schema/settingsVersion.ts). */
const SETTINGS_TABLES = [
  'guild_policy',
  'role_quota',
  'blocked_users',
  'guild_blocked_words',
  'member_settings',
  'member_shortcuts',
  'guild_prompt_settings',
  'style_presets',
];

const databases = databasesClosedAfterEach();

/** The stores a bot process reads its settings through. */
function settingsOn(db: Database) {
  const audit = new AuditLog(db);
  return {
    db,
    policies: new PolicyService(db, { audit }),
    members: new MemberSettingsStore(db),
    prompts: new PromptSettingsStore(db, audit),
    styles: new StylePresetStore(db, audit),
  };
}
type Settings = ReturnType<typeof settingsOn>;

/** Every statement `db` runs from now on, by its text (the stores prepare theirs when built: wrap first). */
function countStatements(db: Database): string[] {
  const executed: string[] = [];
  const prepare = db.prepare.bind(db);
  Object.assign(db, {
    prepare(source: string) {
      const statement = prepare(source) as unknown as Record<string, (...params: unknown[]) => unknown>;
      for (const method of ['get', 'all', 'run', 'iterate']) {
        const original = statement[method]!.bind(statement);
        statement[method] = (...params: unknown[]) => {
          executed.push(source.trim().replace(/\s+/g, ' '));
          return original(...params);
        };
      }
      return statement;
    },
  });
  return executed;
}

/** Two processes on one database: `admin` changes settings, `bot` serves requests (its statements counted). */
function twoProcesses(kind: DatabaseKind): { admin: Settings; bot: Settings; executed: string[] } {
  const location = databases.sharedLocation(kind);
  const adminDb = databases.connect(location);
  const botDb = databases.connect(location);
  const executed = countStatements(botDb);
  return { admin: settingsOn(adminDb), bot: settingsOn(botDb), executed };
}

/** What one /imagine reads before its reservation (memberImagine, compose, screen, the reserve's limits). */
function imagineReads(settings: Settings) {
  const prompt = settings.prompts.get(GUILD);
  const defaults = settings.members.get(USER);
  const shortcuts = Object.fromEntries(settings.members.shortcutMap(USER));
  const style = settings.styles.get(GUILD, 'noir');
  const composePolicy = settings.policies.get(GUILD);
  const context = settings.policies.admissionContext(GUILD, USER);
  return {
    prompt,
    defaults,
    shortcuts,
    style: style && { prefix: style.prefix, suffix: style.suffix },
    cooldown: composePolicy.cooldownSeconds,
    blocked: context.userBlocked,
    words: context.filter.entries,
    quota: settings.policies.dailyQuotaFor(GUILD, [ROLE], context.policy),
  };
}

describe.each(TEST_DATABASES)('the settings cache (%s)', (kind) => {
  it('reads only the counter for a request whose settings did not change', async () => {
    const { admin, bot, executed } = twoProcesses(kind);
    admin.policies.update(GUILD, { cooldownSeconds: 30 }, ADMIN);
    admin.members.set(USER, { quality: 'high' });
    const first = imagineReads(bot);
    expect(executed[0]).toBe(COUNTER_READ);
    // The rows themselves, once each: the policy that compose and screen both read among them once.
    expect(executed.filter((text) => text.includes('FROM guild_policy'))).toHaveLength(1);
    expect(executed.length).toBeGreaterThan(5);

    for (let i = 0; i < 3; i++) {
      await nextRequest();
      executed.length = 0;
      expect(imagineReads(bot)).toEqual(first);
      expect(executed).toEqual([COUNTER_READ]);
    }

    // Writes that are no setting (an audit row here, as the ledger, usage and jobs rows of every
    // request) leave the counter where it was, in this process or another.
    new AuditLog(admin.db).record(GUILD, ADMIN, { action: 'user.unblock', detail: { userId: USER } });
    new AuditLog(bot.db).record(GUILD, ADMIN, { action: 'user.unblock', detail: { userId: USER } });
    await nextRequest();
    executed.length = 0;
    expect(imagineReads(bot)).toEqual(first);
    expect(executed).toEqual([COUNTER_READ]);
  });

  it('sees each kind of setting another process changed at its next request', async () => {
    const { admin, bot, executed } = twoProcesses(kind);
    const changes: Array<[string, () => unknown, Partial<ReturnType<typeof imagineReads>>]> = [
      ['a policy change', () => admin.policies.update(GUILD, { cooldownSeconds: 45 }, ADMIN), { cooldown: 45 }],
      ['a blocked member', () => admin.policies.block(GUILD, USER, ADMIN, 'spam'), { blocked: true }],
      ['a server quota', () => admin.policies.update(GUILD, { dailyQuota: 9 }, ADMIN), { quota: 9 }],
      ['a role quota', () => admin.policies.setRoleQuota(GUILD, ROLE, 20, ADMIN), { quota: 20 }],
      ['a blocked word', () => admin.policies.addBlockedWord(GUILD, 'gore', ADMIN), { words: ['gore'] }],
      ['a member default', () => admin.members.set(USER, { model: 'flux-dev' }), { defaults: { model: 'flux-dev' } }],
      ['a shortcut', () => admin.members.addShortcut(USER, '--moody', 'dark, rainy'), { shortcuts: { moody: 'dark, rainy' } }],
      ['a prompt setting', () => admin.prompts.set(GUILD, { enhanceDefault: true }, ADMIN), { prompt: { enhanceDefault: true, translateForFlux: false } }],
      [
        'a style preset',
        () => admin.styles.upsert({ guildId: GUILD, name: 'Noir', prefix: 'film noir', suffix: '', model: null, size: null, createdBy: ADMIN, createdAt: 1 }),
        { style: { prefix: 'film noir', suffix: '' } },
      ],
      ['an unblocked member', () => admin.policies.unblock(GUILD, USER, ADMIN), { blocked: false }],
      ['a shortcut removed', () => admin.members.removeShortcut(USER, 'moody'), { shortcuts: {} }],
      ['a role quota cleared', () => admin.policies.clearRoleQuota(GUILD, ROLE, ADMIN), { quota: 9 }],
      ['a style removed', () => admin.styles.remove(GUILD, 'noir', ADMIN), { style: undefined }],
      ['defaults reset', () => admin.members.reset(USER), { defaults: {} }],
    ];
    for (const [name, change, expected] of changes) {
      const before = imagineReads(bot); // cached from here on
      change();
      await nextRequest();
      executed.length = 0;
      expect(imagineReads(bot), name).toEqual({ ...before, ...expected });
      expect(executed[0], name).toBe(COUNTER_READ);
      expect(executed.length, name).toBeGreaterThan(1); // the counter moved: the rows were read again
      await nextRequest();
    }
  });

  it('sees a change made by hand in SQL to any of the tables', async () => {
    const { admin, bot } = twoProcesses(kind);
    admin.policies.update(GUILD, { cooldownSeconds: 30 }, ADMIN);
    admin.policies.setRoleQuota(GUILD, ROLE, 20, ADMIN);
    admin.policies.block(GUILD, USER, ADMIN);
    admin.policies.addBlockedWord(GUILD, 'gore', ADMIN);
    admin.members.set(USER, { quality: 'high' });
    admin.members.addShortcut(USER, 'moody', 'dark');
    admin.prompts.set(GUILD, { translateForFlux: true }, ADMIN);
    admin.styles.upsert({ guildId: GUILD, name: 'noir', prefix: 'film noir', suffix: '', model: null, size: null, createdBy: ADMIN, createdAt: 1 });
    const version = SettingsVersion.of(bot.db);
    for (const statement of ['UPDATE', 'DELETE']) {
      for (const table of SETTINGS_TABLES) {
        await nextRequest();
        const before = version.current();
        const key = table.startsWith('member_') ? 'user_id' : 'guild_id';
        admin.db.exec(statement === 'UPDATE' ? `UPDATE ${table} SET ${key} = ${key}` : `DELETE FROM ${table}`); // one row each
        await nextRequest();
        expect(version.current(), `${statement} ${table}`).toBe(before + 1);
      }
    }
    await nextRequest();
    expect(imagineReads(bot)).toMatchObject({ cooldown: 0, quota: null, blocked: false, words: [], defaults: {}, shortcuts: {}, style: undefined });
  });

  it("sees this process's own change at once, without waiting for the next request", () => {
    const { bot } = twoProcesses(kind);
    const before = imagineReads(bot);
    bot.policies.update(GUILD, { cooldownSeconds: 12 }, ADMIN);
    bot.members.set(USER, { private: true });
    bot.prompts.set(GUILD, { enhanceDefault: true }, ADMIN);
    expect(imagineReads(bot)).toEqual({ ...before, cooldown: 12, defaults: { private: true }, prompt: { enhanceDefault: true, translateForFlux: false } });
  });

  it('reads the rows themselves in a transaction, and keeps nothing it read there', () => {
    const { bot, executed } = twoProcesses(kind);
    expect(bot.prompts.get(GUILD).enhanceDefault).toBe(false);
    expect(() =>
      bot.db.transaction(() => {
        bot.db.exec(`INSERT INTO guild_prompt_settings (guild_id, enhance_default, translate_for_flux, updated_by, updated_at) VALUES ('${GUILD}', 1, 0, '${ADMIN}', 1)`);
        executed.length = 0;
        expect(bot.prompts.get(GUILD).enhanceDefault).toBe(true); // not the cached "off"
        expect(executed).not.toContain(COUNTER_READ);
        throw new Error('roll back');
      })(),
    ).toThrow('roll back');
    expect(bot.prompts.get(GUILD).enhanceDefault).toBe(false);
  });

  it('hands out frozen values, so one caller cannot change them for every request', () => {
    const { admin, bot } = twoProcesses(kind);
    admin.policies.update(GUILD, { allowedModels: ['flux-dev'] }, ADMIN);
    admin.members.addShortcut(USER, 'moody', 'dark');
    expect(() => bot.policies.get(GUILD).allowedModels.push('gpt-image-1')).toThrow(TypeError);
    expect(() => bot.members.shortcuts(USER).pop()).toThrow(TypeError);
    expect(bot.policies.get(GUILD).allowedModels).toEqual(['flux-dev']);
    // A copy where callers are used to changing what they get.
    const prompt = bot.prompts.get(GUILD);
    prompt.enhanceDefault = true;
    expect(bot.prompts.get(GUILD).enhanceDefault).toBe(false);
  });
});

describe.each(TEST_DATABASES)('SettingsCache (%s)', (kind) => {
  it('keeps at most its limit, dropping the least recently read first', async () => {
    const db = databases.openFresh(kind);
    const cache = new SettingsCache<string>(db, 2);
    const loads: string[] = [];
    const read = (key: string) => cache.read(key, () => (loads.push(key), key.toUpperCase()));
    expect([read('a'), read('b'), read('a'), read('c')]).toEqual(['A', 'B', 'A', 'C']); // b is now the oldest: dropped
    await nextRequest();
    expect([read('a'), read('c'), read('b')]).toEqual(['A', 'C', 'B']);
    expect(loads).toEqual(['a', 'b', 'c', 'b']);
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 3, misses: 4 });
  });

  it('reads the counter once per stretch of JavaScript, for every cache on the handle', async () => {
    const db = databases.openFresh(kind);
    const version = SettingsVersion.of(db);
    const one = new SettingsCache<number>(db);
    const two = new SettingsCache<number>(db);
    const reads = version.reads;
    for (let i = 0; i < 10; i++) {
      one.read(`k${i}`, () => i);
      two.read(`k${i}`, () => i);
    }
    expect(version.reads - reads).toBe(1);
    await Promise.resolve(); // an await in the middle of a request: the next read checks again
    one.read('k1', () => -1);
    expect(version.reads - reads).toBe(2);
  });
});
