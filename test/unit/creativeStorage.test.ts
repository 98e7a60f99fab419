// The creative tools' storage (migration 9) on a real database (SQLite, and PostgreSQL when the tests have one): a member's defaults and
// shortcuts (/settings), a server's style presets and prompt settings (audited like a policy change),
// and the usage log's kind: describe and enhance calls cost money but make no image, so /history and
// the gallery skip them while the money reports keep them. Everything survives reopening the database.
import { describe, expect, it } from 'vitest';
import { describeAuditEntry } from '../../src/moderation/auditText.js';
import {
  AuditLog,
  GalleryStore,
  HistoryStore,
  MAX_SHORTCUTS,
  MAX_STYLE_PRESETS,
  MemberSettingsStore,
  PromptSettingsStore,
  StylePresetStore,
  UsageLog,
  UsageReports,
  type Database,
  type StylePreset,
  type UsageAttempt,
} from '../../src/storage/index.js';
import { databasesClosedAfterEach, TEST_DATABASES } from '../helpers/databases.js';
import { refuseWrites } from '../helpers/refuseWrites.js';

const { openFresh, sharedLocation, connect } = databasesClosedAfterEach();

// Snowflakes beyond 2^53: a numeric round-trip would change their last digits.
const ALICE = '200000000000000000001';
const BOB = '200000000000000000002';
const ADMIN = '200000000000000000009';
const GUILD = '100000000000000000001';
const OTHER_GUILD = '100000000000000000002';
const CHANNEL = '300000000000000000001';
const NOW = Date.UTC(2026, 4, 20, 12);

describe.each(TEST_DATABASES)('MemberSettingsStore: defaults (%s)', (kind) => {
  const open = (): Database => openFresh(kind);

  it('has no defaults until the member sets some; a patch sets, null clears, absent leaves', () => {
    const store = new MemberSettingsStore(open());
    expect(store.get(ALICE)).toEqual({});
    expect(store.set(ALICE, { model: 'flux-2-pro', size: '2:3', enhance: true }, NOW)).toEqual({ model: 'flux-2-pro', size: '2:3', enhance: true });
    expect(store.set(ALICE, { quality: 'high', private: false }, NOW + 1)).toEqual({
      model: 'flux-2-pro',
      size: '2:3',
      quality: 'high',
      enhance: true,
      private: false,
    });
    // null clears one field; false is a value, not "unset".
    expect(store.set(ALICE, { size: null, enhance: false })).toEqual({ model: 'flux-2-pro', quality: 'high', enhance: false, private: false });
    expect(store.get(ALICE)).toEqual({ model: 'flux-2-pro', quality: 'high', enhance: false, private: false });
    expect(store.get(BOB)).toEqual({});
    // Clearing every field leaves nothing set.
    expect(store.set(ALICE, { model: null, quality: null, enhance: null, private: null })).toEqual({});
    expect(store.get(ALICE)).toEqual({});
  });

  it('refuses values of the wrong type, unknown fields and numeric ids', () => {
    const store = new MemberSettingsStore(open());
    expect(() => store.set(ALICE, { model: '' })).toThrow(TypeError);
    expect(() => store.set(ALICE, { model: 'x'.repeat(101) })).toThrow(TypeError);
    expect(() => store.set(ALICE, { enhance: 'yes' as unknown as boolean })).toThrow(TypeError);
    expect(() => store.set(ALICE, { colour: 'red' } as never)).toThrow(TypeError);
    expect(() => store.get(123 as unknown as string)).toThrow(TypeError);
    expect(store.get(ALICE)).toEqual({});
  });

  it('reset clears the defaults only: the shortcuts stay', () => {
    const store = new MemberSettingsStore(open());
    store.set(ALICE, { model: 'gpt-image-2', private: true });
    store.addShortcut(ALICE, 'portrait', '--ar 2:3 --q high');
    expect(store.reset(ALICE)).toBe(true);
    expect(store.get(ALICE)).toEqual({});
    expect(store.shortcuts(ALICE)).toEqual([{ name: 'portrait', value: '--ar 2:3 --q high' }]);
    expect(store.reset(ALICE)).toBe(false);
  });
});

describe.each(TEST_DATABASES)('MemberSettingsStore: shortcuts (%s)', (kind) => {
  const open = (): Database => openFresh(kind);

  it('lists by name, matches names in any case and without the leading --, and replaces by name', () => {
    const store = new MemberSettingsStore(open());
    expect(store.addShortcut(ALICE, 'Portrait', '--ar 2:3', NOW)).toBe('added');
    expect(store.addShortcut(ALICE, 'cinema', '--ar 21:9 --q high', NOW)).toBe('added');
    expect(store.addShortcut(ALICE, '--PORTRAIT', '--ar 2:3 --q high', NOW + 1)).toBe('replaced');
    expect(store.shortcuts(ALICE)).toEqual([
      { name: 'cinema', value: '--ar 21:9 --q high' },
      { name: 'portrait', value: '--ar 2:3 --q high' },
    ]);
    expect(store.shortcutMap(ALICE)).toEqual(new Map([
      ['cinema', '--ar 21:9 --q high'],
      ['portrait', '--ar 2:3 --q high'],
    ]));
    expect(store.shortcuts(BOB)).toEqual([]);
    expect(store.removeShortcut(ALICE, 'CINEMA')).toBe(true);
    expect(store.removeShortcut(ALICE, 'cinema')).toBe(false);
    expect(store.shortcuts(ALICE).map((s) => s.name)).toEqual(['portrait']);
  });

  it(`keeps at most ${MAX_SHORTCUTS} per member; replacing one at the limit is still allowed`, () => {
    const store = new MemberSettingsStore(open());
    for (let i = 0; i < MAX_SHORTCUTS; i++) expect(store.addShortcut(ALICE, `s${String(i).padStart(2, '0')}`, `--seed ${i}`)).toBe('added');
    expect(store.addShortcut(ALICE, 'one-more', '--q low')).toBe('limit');
    expect(store.shortcutMap(ALICE).has('one-more')).toBe(false);
    expect(store.addShortcut(ALICE, 'S07', '--seed 700')).toBe('replaced');
    expect(store.shortcutMap(ALICE).get('s07')).toBe('--seed 700');
    expect(store.shortcuts(ALICE)).toHaveLength(MAX_SHORTCUTS);
    // Another member's list is theirs.
    expect(store.addShortcut(BOB, 'one-more', '--q low')).toBe('added');
    // After a removal there is room again.
    store.removeShortcut(ALICE, 's00');
    expect(store.addShortcut(ALICE, 'one-more', '--q low')).toBe('added');
  });

  it('refuses empty or spaced names and empty or overlong values', () => {
    const store = new MemberSettingsStore(open());
    expect(() => store.addShortcut(ALICE, '  ', 'x')).toThrow(TypeError);
    expect(() => store.addShortcut(ALICE, 'two words', 'x')).toThrow(TypeError);
    expect(() => store.addShortcut(ALICE, 'n'.repeat(33), 'x')).toThrow(TypeError);
    expect(() => store.addShortcut(ALICE, 'empty', '   ')).toThrow(TypeError);
    expect(() => store.addShortcut(ALICE, 'long', 'v'.repeat(501))).toThrow(TypeError);
    expect(store.shortcuts(ALICE)).toEqual([]);
  });
});

function preset(overrides: Partial<StylePreset> = {}): StylePreset {
  return {
    guildId: GUILD,
    name: 'anime',
    prefix: 'anime key visual of',
    suffix: 'cel shading, vibrant',
    model: null,
    size: null,
    createdBy: ADMIN,
    createdAt: NOW,
    ...overrides,
  };
}

describe.each(TEST_DATABASES)('StylePresetStore (%s)', (kind) => {
  const open = (): Database => openFresh(kind);

  it('lists a server’s presets by name and finds one in any case', () => {
    const styles = new StylePresetStore(open());
    expect(styles.upsert(preset({ name: 'Watercolour', prefix: '', suffix: 'watercolour on paper', size: '3:2' }))).toBe('added');
    expect(styles.upsert(preset({ name: 'Anime', model: 'flux-2-pro' }))).toBe('added');
    expect(styles.list(GUILD).map((p) => p.name)).toEqual(['anime', 'watercolour']);
    expect(styles.get(GUILD, 'ANIME')).toEqual(preset({ model: 'flux-2-pro' }));
    expect(styles.get(GUILD, ' watercolour ')).toMatchObject({ prefix: '', suffix: 'watercolour on paper', model: null, size: '3:2' });
    expect(styles.get(GUILD, 'noir')).toBeUndefined();
    expect(styles.get(OTHER_GUILD, 'anime')).toBeUndefined();
    expect(styles.list(OTHER_GUILD)).toEqual([]);
  });

  it('lists in byte order (SQLite\'s), whatever the database\'s collation', () => {
    const db = open();
    // PostgreSQL sorts text by a locale; give the column one where punctuation sorts otherwise
    // (ICU's en-US: "_" < "-" < "."; bytes: "-" < "." < "_").
    if (kind === 'postgres' && db.prepare("SELECT 1 FROM pg_collation WHERE collname = 'en-US-x-icu'").get()) {
      db.exec('ALTER TABLE style_presets ALTER COLUMN name TYPE TEXT COLLATE "en-US-x-icu"');
    }
    const styles = new StylePresetStore(db);
    for (const name of ['a_b', 'a.b', 'ab', 'a-b']) styles.upsert(preset({ name }));
    expect(styles.list(GUILD).map((style) => style.name)).toEqual(['a-b', 'a.b', 'a_b', 'ab']);
  });

  it('replaces a preset of the same name in any case, and removes one', () => {
    const styles = new StylePresetStore(open());
    styles.upsert(preset());
    expect(styles.upsert(preset({ name: 'ANIME', suffix: 'flat colours', createdBy: BOB, createdAt: NOW + 5 }))).toBe('replaced');
    expect(styles.list(GUILD)).toEqual([preset({ suffix: 'flat colours', createdBy: BOB, createdAt: NOW + 5 })]);
    expect(styles.remove(GUILD, 'Anime', ADMIN, NOW + 6)).toBe(true);
    expect(styles.remove(GUILD, 'anime', ADMIN, NOW + 7)).toBe(false);
    expect(styles.list(GUILD)).toEqual([]);
  });

  it(`keeps at most ${MAX_STYLE_PRESETS} per server; replacing one at the limit is still allowed`, () => {
    const styles = new StylePresetStore(open());
    for (let i = 0; i < MAX_STYLE_PRESETS; i++) expect(styles.upsert(preset({ name: `style-${i}` }))).toBe('added');
    expect(styles.upsert(preset({ name: 'one-more' }))).toBe('limit');
    expect(styles.get(GUILD, 'one-more')).toBeUndefined();
    expect(styles.upsert(preset({ name: 'STYLE-3', suffix: 'new' }))).toBe('replaced');
    expect(styles.get(GUILD, 'style-3')?.suffix).toBe('new');
    expect(styles.list(GUILD)).toHaveLength(MAX_STYLE_PRESETS);
    expect(styles.upsert(preset({ guildId: OTHER_GUILD, name: 'one-more' }))).toBe('added');
  });

  it('audits each change in the same transaction, worded for the log in both languages', () => {
    const db = open();
    const audit = new AuditLog(db);
    const styles = new StylePresetStore(db, audit);
    styles.upsert(preset({ model: 'flux-2-pro' }));
    styles.upsert(preset({ suffix: 'flat colours', createdBy: BOB, createdAt: NOW + 1 }));
    styles.remove(GUILD, 'anime', ADMIN, NOW + 2);
    // Nothing removed, nothing audited.
    styles.remove(GUILD, 'noir', ADMIN, NOW + 3);
    const entries = audit.recent(GUILD);
    expect(entries.map((e) => [e.action, e.actorId, e.at])).toEqual([
      ['style.remove', ADMIN, NOW + 2],
      ['style.replace', BOB, NOW + 1],
      ['style.add', ADMIN, NOW],
    ]);
    const [removed, replaced, added] = entries;
    expect(describeAuditEntry(added!).en).toBe(
      `<@${ADMIN}> added the style **anime**: prefix \`anime key visual of\`, suffix \`cel shading, vibrant\`, model \`flux-2-pro\`.`,
    );
    expect(describeAuditEntry(replaced!).en).toContain('suffix `flat colours`');
    expect(describeAuditEntry(replaced!).en).toContain('(was prefix `anime key visual of`, suffix `cel shading, vibrant`, model `flux-2-pro`)');
    expect(describeAuditEntry(removed!).zh).toBe(`<@${ADMIN}> 删除了风格“**anime**”(前缀 \`anime key visual of\`,后缀 \`flat colours\`)。`);
  });

  it('a change whose audit row cannot be written is not made either', () => {
    const db = open();
    const styles = new StylePresetStore(db);
    refuseWrites(db, 'no_audit', 'INSERT ON audit_log', 'audit refused');
    expect(() => styles.upsert(preset())).toThrow(/audit refused/);
    expect(styles.list(GUILD)).toEqual([]);
  });

  it('refuses a nameless preset, an overlong prefix, an empty model and a numeric creator', () => {
    const styles = new StylePresetStore(open());
    expect(() => styles.upsert(preset({ name: '  ' }))).toThrow(TypeError);
    expect(() => styles.upsert(preset({ prefix: 'p'.repeat(1001) }))).toThrow(TypeError);
    expect(() => styles.upsert(preset({ model: ' ' }))).toThrow(TypeError);
    expect(() => styles.upsert(preset({ createdBy: 42 as unknown as string }))).toThrow(TypeError);
    expect(() => styles.remove(GUILD, 'anime', '')).toThrow(TypeError);
    expect(styles.list(GUILD)).toEqual([]);
  });
});

describe.each(TEST_DATABASES)('PromptSettingsStore (%s)', (kind) => {
  const open = (): Database => openFresh(kind);

  it('is off until set; a patch changes only what it names; a change is audited, no change is not', () => {
    const db = open();
    const audit = new AuditLog(db);
    const settings = new PromptSettingsStore(db, audit);
    expect(settings.get(GUILD)).toEqual({ enhanceDefault: false, translateForFlux: false });
    expect(settings.set(GUILD, { enhanceDefault: true }, ADMIN, NOW)).toEqual({ enhanceDefault: true, translateForFlux: false });
    expect(settings.set(GUILD, { translateForFlux: true }, BOB, NOW + 1)).toEqual({ enhanceDefault: true, translateForFlux: true });
    expect(settings.set(GUILD, { enhanceDefault: true }, BOB, NOW + 2)).toEqual({ enhanceDefault: true, translateForFlux: true });
    expect(settings.get(OTHER_GUILD)).toEqual({ enhanceDefault: false, translateForFlux: false });
    const entries = audit.recent(GUILD);
    expect(entries.map((e) => [e.action, e.actorId, e.detail])).toEqual([
      ['prompt_settings.update', BOB, { changes: [{ field: 'translateForFlux', from: false, to: true }] }],
      ['prompt_settings.update', ADMIN, { changes: [{ field: 'enhanceDefault', from: false, to: true }] }],
    ]);
    expect(describeAuditEntry(entries[1]!)).toEqual({
      en: `<@${ADMIN}> changed the prompt settings:\n• Enhance prompts by default: on`,
      zh: `<@${ADMIN}> 修改了提示词设置:\n• 默认优化提示词:开启`,
    });
  });

  it('refuses unknown settings, non-booleans and a missing actor', () => {
    const settings = new PromptSettingsStore(open());
    expect(() => settings.set(GUILD, { enhanceDefault: 'on' as unknown as boolean }, ADMIN)).toThrow(TypeError);
    expect(() => settings.set(GUILD, { translate: true } as never, ADMIN)).toThrow(TypeError);
    expect(() => settings.set(GUILD, { enhanceDefault: true }, '')).toThrow(TypeError);
    expect(settings.get(GUILD).enhanceDefault).toBe(false);
  });
});

describe.each(TEST_DATABASES)('creative settings after a restart (%s)', (kind) => {
  it('the defaults, shortcuts, presets and prompt settings are read back from the reopened database', () => {
    const location = sharedLocation(kind);
    const first = connect(location);
    new MemberSettingsStore(first).set(ALICE, { size: '1536x1024', private: true }, NOW);
    new MemberSettingsStore(first).addShortcut(ALICE, 'wide', '--ar 16:9', NOW);
    new StylePresetStore(first).upsert(preset({ name: 'Noir', prefix: 'film noir still of', suffix: '', size: '3:2' }));
    new PromptSettingsStore(first).set(GUILD, { translateForFlux: true }, ADMIN, NOW);
    first.close();

    const again = connect(location);
    const members = new MemberSettingsStore(again);
    expect(members.get(ALICE)).toEqual({ size: '1536x1024', private: true });
    expect(members.shortcutMap(ALICE)).toEqual(new Map([['wide', '--ar 16:9']]));
    expect(new StylePresetStore(again).get(GUILD, 'NOIR')).toEqual(preset({ name: 'noir', prefix: 'film noir still of', suffix: '', size: '3:2' }));
    expect(new PromptSettingsStore(again).get(GUILD)).toEqual({ enhanceDefault: false, translateForFlux: true });
    expect(new AuditLog(again).recent(GUILD).map((e) => e.action)).toEqual(['prompt_settings.update', 'style.add']);
  });
});

describe.each(TEST_DATABASES)('usage kind: describe and enhance calls (%s)', (kind) => {
  const open = (): Database => openFresh(kind);

  function attempt(overrides: Partial<UsageAttempt> = {}): UsageAttempt {
    return { source: 'discord', userId: ALICE, guildId: GUILD, channelId: CHANNEL, model: 'flux-2-pro', prompt: 'a lighthouse at dusk', startedAt: NOW, ...overrides };
  }

  /** An image delivered, and a describe and an enhance call of the same member (each its own interaction). */
  function world() {
    const db = open();
    const usage = new UsageLog(db);
    const image = usage.start(attempt({ interactionId: '400000000000000000001' })).id;
    usage.finish(image, { outcome: 'success', imageCount: 2, estimatedCost: 0.08, finishedAt: NOW + 1 });
    usage.setDelivered(image, { messageId: '500000000000000000001', channelId: CHANNEL });
    const describe = usage.start(attempt({ interactionId: '400000000000000000002', kind: 'describe', model: 'gpt-4o-mini', prompt: '[image]', startedAt: NOW + 2 })).id;
    usage.finish(describe, { outcome: 'success', imageCount: 0, estimatedCost: 0.002, finishedAt: NOW + 3 });
    usage.setDelivered(describe, { messageId: '500000000000000000002', channelId: CHANNEL });
    const enhance = usage.start(attempt({ interactionId: '400000000000000000001:enhance', kind: 'enhance', model: 'gpt-4o-mini', prompt: 'lighthouse', startedAt: NOW + 4 })).id;
    usage.finish(enhance, { outcome: 'success', imageCount: 0, estimatedCost: 0.002, finishedAt: NOW + 5 });
    return { db, usage, image, describe, enhance };
  }

  it('records the kind (image unless said), and refuses an unknown one', () => {
    const { usage, image, describe, enhance } = world();
    expect(usage.get(image)?.kind).toBe('image');
    expect(usage.get(describe)?.kind).toBe('describe');
    expect(usage.get(enhance)).toMatchObject({ kind: 'enhance', imageCount: 0, estimatedCost: 0.002 });
    expect(() => usage.start(attempt({ interactionId: '400000000000000000009', kind: 'video' as never }))).toThrow(TypeError);
  });

  it('/history and its model suggestions list only images', () => {
    const { db, image } = world();
    const history = new HistoryStore(db);
    const page = history.page({ userId: ALICE, guildId: GUILD, page: 1, pageSize: 10 });
    expect(page.total).toBe(1);
    expect(page.entries.map((e) => e.usageId)).toEqual([image]);
    expect(history.models(ALICE, GUILD)).toEqual(['flux-2-pro']);
    expect(history.page({ userId: ALICE, guildId: GUILD, model: 'gpt-4o-mini', page: 1, pageSize: 10 }).total).toBe(0);
  });

  it('the gallery shares and ranks only images', () => {
    const { db, image, describe } = world();
    const gallery = new GalleryStore(db);
    const claim = { guildId: GUILD, sharedBy: ALICE, channelId: CHANNEL, ageRestricted: false, spoiler: false, at: NOW };
    expect(gallery.claimShare({ ...claim, usageId: describe })).toBe(false);
    expect(gallery.postOf(describe)).toBeUndefined();
    expect(gallery.claimShare({ ...claim, usageId: image })).toBe(true);
    for (const usageId of [image, describe]) gallery.toggleFavourite({ usageId, userId: BOB, guildId: GUILD, ageRestricted: false, spoiler: false });
    const top = gallery.top({ guildId: GUILD, page: 1, pageSize: 10, includeAgeRestricted: true });
    expect(top.entries.map((e) => e.usageId)).toEqual([image]);
    expect(top.total).toBe(1);
  });

  it('the money reports keep every kind; image counts are only the images', () => {
    const { db } = world();
    const reports = new UsageReports(db);
    const allTime = reports.guildReport({ guildId: GUILD, until: NOW + 10 });
    // The all-time figures (kept by triggers) equal a scan of the period.
    expect(allTime).toEqual(reports.guildReport({ guildId: GUILD, since: Number.MIN_SAFE_INTEGER, until: NOW + 10 }));
    expect(allTime.total).toEqual({ images: 2, attempts: 3, failures: 0, cost: 0.084 });
    expect(allTime.byModel).toEqual([
      { model: 'flux-2-pro', images: 2, attempts: 1, failures: 0, cost: 0.08 },
      { model: 'gpt-4o-mini', images: 0, attempts: 2, failures: 0, cost: 0.004 },
    ]);
    const mine = reports.summary({ userId: ALICE, guildId: GUILD, now: NOW + 10 });
    expect(mine.today.reduce((sum, m) => sum + m.images, 0)).toBe(2);
    expect(mine.today.reduce((sum, m) => sum + m.cost, 0)).toBeCloseTo(0.084, 9);
    expect([...reports.guildRows({ guildId: GUILD, until: NOW + 10 })].map((row) => row.kind)).toEqual(['image', 'describe', 'enhance']);
  });
});
