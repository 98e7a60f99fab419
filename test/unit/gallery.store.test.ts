// The gallery and history stores on a real database (SQLite, and PostgreSQL when the tests have one): the once-only share (and taking over a
// claim a crash left), settings changes audited, favourites as a toggle, /gallery top by period,
// page and age restriction (with the count of those left out), /history by member, server, model
// and page, and deleted images hidden from both.
import { afterEach, describe, expect, it } from 'vitest';
import { describeAuditEntry } from '../../src/moderation/auditText.js';
import { AuditLog, GalleryStore, HistoryStore, MIGRATIONS, migrate, UsageLog, type Database } from '../../src/storage/index.js';
import { openTestDatabase, TEST_DATABASES, type DatabaseKind } from '../helpers/databases.js';
import { STALE_CLAIM_MS } from '../../src/storage/galleryStore.js';
import { pageWindow } from '../../src/storage/pageWindow.js';

const GUILD = '100000000000000001';
const OTHER_GUILD = '100000000000000002';
const ALICE = '200000000000000001';
const BOB = '200000000000000002';
const CAROL = '200000000000000003';
const CHANNEL = '300000000000000001';
const GALLERY = '300000000000000002';
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 4, 20, 12);

const handles: Database[] = [];
afterEach(() => {
  for (const db of handles.splice(0)) db.close();
});

function openStores(kind: DatabaseKind) {
  const db = openTestDatabase(kind);
  handles.push(db);
  return { db, usage: new UsageLog(db), gallery: new GalleryStore(db), history: new HistoryStore(db) };
}

type Stores = ReturnType<typeof openStores>;

/** A delivered image. */
function image(s: Stores, options: { user?: string; guild?: string | null; model?: string; prompt?: string; at?: number; outcome?: 'success' | 'timeout' } = {}): number {
  const { id } = s.usage.start({
    source: 'discord',
    userId: options.user ?? ALICE,
    guildId: options.guild === undefined ? GUILD : options.guild,
    channelId: CHANNEL,
    model: options.model ?? 'flux-2-pro',
    prompt: options.prompt ?? 'a prompt',
    startedAt: options.at ?? NOW,
  });
  s.usage.finish(id, { outcome: options.outcome ?? 'success', imageCount: 1 });
  s.usage.setDelivered(id, { messageId: `9${id}`.padEnd(18, '0'), channelId: CHANNEL });
  return id;
}

const star = (s: Stores, usageId: number, userId: string, extra: { ageRestricted?: boolean; spoiler?: boolean } = {}) =>
  s.gallery.toggleFavourite({ usageId, userId, guildId: GUILD, ageRestricted: extra.ageRestricted ?? false, spoiler: extra.spoiler ?? false });

describe('pageWindow', () => {
  it('clamps the page into the pages that exist, with at least one page', () => {
    expect(pageWindow(0, 3, 5)).toEqual({ page: 1, pages: 1, offset: 0, limit: 5 });
    expect(pageWindow(11, 2, 5)).toEqual({ page: 2, pages: 3, offset: 5, limit: 5 });
    expect(pageWindow(11, 9, 5)).toMatchObject({ page: 3, offset: 10 });
    expect(pageWindow(11, 0, 5)).toMatchObject({ page: 1, offset: 0 });
    expect(pageWindow(11, Number.NaN, 5)).toMatchObject({ page: 1 });
  });
});

describe.each(TEST_DATABASES)('GalleryStore (%s)', (kind) => {
  const open = () => openStores(kind);

  it('settings default to off and change only when something new is set', () => {
    const s = open();
    expect(s.gallery.settings(GUILD)).toEqual({ channelId: null, nsfwChannelId: null, shareByAnyone: false });
    expect(s.gallery.updateSettings(GUILD, { channelId: GALLERY }, ALICE).changed).toBe(true);
    expect(s.gallery.updateSettings(GUILD, { channelId: GALLERY }, ALICE).changed).toBe(false);
    expect(s.gallery.updateSettings(GUILD, { shareByAnyone: true }, BOB)).toEqual({
      settings: { channelId: GALLERY, nsfwChannelId: null, shareByAnyone: true },
      changed: true,
      audit: expect.objectContaining({ action: 'gallery.update', actorId: BOB }),
    });
    expect(s.gallery.settings(OTHER_GUILD).channelId).toBeNull();
    expect(() => s.gallery.updateSettings(GUILD, {}, '')).toThrow(TypeError);
  });

  it('a settings change is audited with it, like a policy change; nothing changed, nothing audited', () => {
    const s = open();
    const audit = new AuditLog(s.db);
    const first = s.gallery.updateSettings(GUILD, { channelId: GALLERY, shareByAnyone: true }, ALICE, NOW);
    expect(first.audit).toEqual({
      id: expect.any(Number),
      guildId: GUILD,
      actorId: ALICE,
      at: NOW,
      action: 'gallery.update',
      detail: {
        changes: [
          { field: 'channelId', from: null, to: GALLERY },
          { field: 'shareByAnyone', from: false, to: true },
        ],
      },
    });
    expect(s.gallery.updateSettings(GUILD, { channelId: GALLERY }, BOB, NOW + 1)).toEqual({ settings: expect.any(Object), changed: false });
    s.gallery.updateSettings(GUILD, { channelId: null }, BOB, NOW + 2);
    expect(audit.recent(GUILD).map((entry) => [entry.action, entry.actorId, entry.detail])).toEqual([
      ['gallery.update', BOB, { changes: [{ field: 'channelId', from: GALLERY, to: null }] }],
      ['gallery.update', ALICE, first.audit!.detail],
    ]);
    // Worded as the log channel announces it, one line per setting.
    expect(describeAuditEntry(first.audit!).en).toBe(
      `🖼️ <@${ALICE}> set **Gallery channel** to <#${GALLERY}>.\n🖼️ <@${ALICE}> set **Who may share** to any member.`,
    );
    expect(describeAuditEntry(audit.recent(GUILD)[0]!).zh).toBe(`🖼️ <@${BOB}> 将“**画廊频道**”设为 未设置。`);
  });

  it('an image is shared once: a second claim fails, a withdrawn claim frees it, a posted one stays', () => {
    const s = open();
    const id = image(s);
    const claim = { usageId: id, guildId: GUILD, sharedBy: ALICE, channelId: GALLERY, ageRestricted: false, spoiler: true, at: NOW };
    expect(s.gallery.claimShare(claim)).toBe(true);
    expect(s.gallery.claimShare({ ...claim, sharedBy: BOB })).toBe(false);
    // Only the claimant's own claim is withdrawn.
    s.gallery.withdrawShare(id, BOB);
    expect(s.gallery.postOf(id)?.sharedBy).toBe(ALICE);
    s.gallery.withdrawShare(id, ALICE);
    expect(s.gallery.postOf(id)).toBeUndefined();

    expect(s.gallery.claimShare({ ...claim, sharedBy: BOB })).toBe(true);
    expect(s.gallery.setPosted(id, '700000000000000001')).toBe(true);
    s.gallery.withdrawShare(id, BOB);
    expect(s.gallery.postOf(id)).toMatchObject({ sharedBy: BOB, messageId: '700000000000000001', spoiler: true, ageRestricted: false, removedAt: null });
    // Even long after: a real post is never taken over.
    expect(s.gallery.claimShare({ ...claim, at: NOW + 10 * STALE_CLAIM_MS })).toBe(false);
  });

  it('a claim a crash left without a post can be taken over once it is stale', () => {
    const s = open();
    const id = image(s);
    const claim = { usageId: id, guildId: GUILD, sharedBy: ALICE, channelId: GALLERY, ageRestricted: false, spoiler: false, at: NOW };
    expect(s.gallery.claimShare(claim)).toBe(true);
    expect(s.gallery.claimShare({ ...claim, sharedBy: BOB, at: NOW + 1000 })).toBe(false);
    expect(s.gallery.claimShare({ ...claim, sharedBy: BOB, at: NOW + STALE_CLAIM_MS + 1 })).toBe(true);
    expect(s.gallery.postOf(id)?.sharedBy).toBe(BOB);
  });

  it('markRemoved keeps the first time and the row (the image was shared once)', () => {
    const s = open();
    const id = image(s);
    s.gallery.claimShare({ usageId: id, guildId: GUILD, sharedBy: ALICE, channelId: GALLERY, ageRestricted: false, spoiler: false });
    s.gallery.setPosted(id, '700000000000000001');
    expect(s.gallery.markRemoved(id, NOW)).toBe(true);
    s.gallery.markRemoved(id, NOW + 5);
    expect(s.gallery.postOf(id)?.removedAt).toBe(NOW);
    expect(s.gallery.claimShare({ usageId: id, guildId: GUILD, sharedBy: BOB, channelId: GALLERY, ageRestricted: false, spoiler: false, at: NOW + DAY })).toBe(false);
  });

  it('⭐ toggles: one per member and image, with the count after each press', () => {
    const s = open();
    const id = image(s);
    expect(star(s, id, ALICE)).toEqual({ added: true, count: 1 });
    expect(star(s, id, BOB)).toEqual({ added: true, count: 2 });
    expect(star(s, id, ALICE)).toEqual({ added: false, count: 1 });
    expect(star(s, id, ALICE)).toEqual({ added: true, count: 2 });
    expect(s.gallery.favouriteCount(id)).toBe(2);
    expect(s.gallery.favouriteCount(image(s))).toBe(0);
  });

  it('/gallery top: most stars first, newest first on ties, by period, paged; deleted and other servers left out', () => {
    const s = open();
    const old = image(s, { prompt: 'old', at: NOW - 40 * DAY });
    const lastMonth = image(s, { prompt: 'last month', at: NOW - 10 * DAY });
    const recent = Array.from({ length: 6 }, (_, i) => image(s, { prompt: `recent ${i}`, at: NOW - i * 60_000 }));
    const deleted = image(s, { prompt: 'deleted' });
    const elsewhere = image(s, { guild: OTHER_GUILD, prompt: 'elsewhere' });
    for (const user of [ALICE, BOB, CAROL]) star(s, old, user);
    for (const user of [ALICE, BOB]) star(s, lastMonth, user);
    for (const [i, id] of recent.entries()) if (i % 2 === 0) star(s, id, ALICE);
    star(s, recent[5]!, BOB);
    for (const user of [ALICE, BOB, CAROL]) star(s, deleted, user);
    s.gallery.toggleFavourite({ usageId: elsewhere, userId: ALICE, guildId: OTHER_GUILD, ageRestricted: false, spoiler: false });
    s.usage.markDeleted(deleted);

    const prompts = (since: number | undefined, page = 1) =>
      s.gallery.top({ guildId: GUILD, since, includeAgeRestricted: false, page, pageSize: 3 });
    const all = prompts(undefined);
    expect(all).toMatchObject({ total: 6, page: 1, pages: 2 });
    // Ties (one star each) newest first: recent 5 was logged last.
    expect(all.entries.map((e) => [e.prompt, e.favourites])).toEqual([
      ['old', 3],
      ['last month', 2],
      ['recent 5', 1],
    ]);
    expect(prompts(undefined, 2).entries.map((e) => e.prompt)).toEqual(['recent 4', 'recent 2', 'recent 0']);
    const month = prompts(NOW - 30 * DAY);
    expect(month.total).toBe(5);
    expect(month.entries.map((e) => e.prompt)).toEqual(['last month', 'recent 5', 'recent 4']);
    // A page past the end shows the last one.
    const week = prompts(NOW - 7 * DAY, 9);
    expect(week).toMatchObject({ page: 2, pages: 2, total: 4 });
    expect(week.entries.map((e) => e.prompt)).toEqual(['recent 0']);
    expect(all.entries[0]).toMatchObject({ userId: ALICE, model: 'flux-2-pro', messageChannelId: CHANNEL, galleryMessageId: null });
  });

  it('/gallery top: age-restricted images only where they may be shown; the gallery link once posted; spoiler kept', () => {
    const s = open();
    const plain = image(s, { prompt: 'plain' });
    const nsfw = image(s, { prompt: 'restricted' });
    star(s, plain, ALICE, { spoiler: true });
    star(s, nsfw, ALICE, { ageRestricted: true });
    star(s, nsfw, BOB, { ageRestricted: true });
    const query = { guildId: GUILD, page: 1, pageSize: 5 };
    expect(s.gallery.top({ ...query, includeAgeRestricted: false }).entries.map((e) => e.prompt)).toEqual(['plain']);
    expect(s.gallery.top({ ...query, includeAgeRestricted: true }).entries.map((e) => e.prompt)).toEqual(['restricted', 'plain']);
    // The page says how many were left out (the "listed only in age-restricted channels" note), from the same count.
    expect(s.gallery.top({ ...query, includeAgeRestricted: false })).toMatchObject({ total: 1, pages: 1, hidden: 1 });
    expect(s.gallery.top({ ...query, includeAgeRestricted: true })).toMatchObject({ total: 2, pages: 1, hidden: 0 });

    s.gallery.claimShare({ usageId: plain, guildId: GUILD, sharedBy: ALICE, channelId: GALLERY, ageRestricted: false, spoiler: true });
    // Not posted yet: no link.
    expect(s.gallery.top({ ...query, includeAgeRestricted: false }).entries[0]).toMatchObject({ galleryMessageId: null, spoiler: true });
    s.gallery.setPosted(plain, '700000000000000009');
    expect(s.gallery.top({ ...query, includeAgeRestricted: false }).entries[0]).toMatchObject({ galleryChannelId: GALLERY, galleryMessageId: '700000000000000009' });
    s.gallery.markRemoved(plain);
    expect(s.gallery.top({ ...query, includeAgeRestricted: false }).entries[0]).toMatchObject({ galleryMessageId: null });
  });
});

describe.each(TEST_DATABASES)('HistoryStore (%s)', (kind) => {
  const open = () => openStores(kind);

  it('a member’s delivered images in one server, newest first, paged, filtered by model; deleted ones left out', () => {
    const s = open();
    const ids = Array.from({ length: 12 }, (_, i) => image(s, { model: i % 3 === 0 ? 'gpt-image-2' : 'flux-2-pro', prompt: `p${i}`, at: NOW + i * 1000 }));
    image(s, { user: BOB, prompt: 'bob' });
    image(s, { guild: OTHER_GUILD, prompt: 'elsewhere' });
    image(s, { guild: null, prompt: 'in a DM' });
    image(s, { prompt: 'failed', outcome: 'timeout' });
    s.usage.markDeleted(ids[11]!);

    const page1 = s.history.page({ userId: ALICE, guildId: GUILD, page: 1, pageSize: 5 });
    expect(page1).toMatchObject({ total: 11, page: 1, pages: 3 });
    expect(page1.entries.map((e) => e.prompt)).toEqual(['p10', 'p9', 'p8', 'p7', 'p6']);
    expect(s.history.page({ userId: ALICE, guildId: GUILD, page: 3, pageSize: 5 }).entries.map((e) => e.prompt)).toEqual(['p0']);
    const gpt = s.history.page({ userId: ALICE, guildId: GUILD, model: 'gpt-image-2', page: 1, pageSize: 5 });
    expect(gpt.entries.map((e) => e.prompt)).toEqual(['p9', 'p6', 'p3', 'p0']);
    expect(s.history.page({ userId: ALICE, guildId: null, page: 1, pageSize: 5 }).entries.map((e) => e.prompt)).toEqual(['in a DM']);
    expect(s.history.page({ userId: BOB, guildId: GUILD, page: 1, pageSize: 5 }).entries.map((e) => e.prompt)).toEqual(['bob']);
    expect(page1.entries[0]).toMatchObject({ usageId: ids[10], model: 'flux-2-pro', messageChannelId: CHANNEL, galleryMessageId: null });
  });

  it('shows the gallery post of a shared image, and suggests the member’s own models', () => {
    const s = open();
    const id = image(s, { model: 'flux-2-pro' });
    image(s, { model: 'gpt-image-2' });
    image(s, { user: BOB, model: 'flux-dev' });
    s.gallery.claimShare({ usageId: id, guildId: GUILD, sharedBy: ALICE, channelId: GALLERY, ageRestricted: false, spoiler: false });
    s.gallery.setPosted(id, '700000000000000001');
    const entry = s.history.page({ userId: ALICE, guildId: GUILD, page: 1, pageSize: 5 }).entries.find((e) => e.usageId === id);
    expect(entry).toMatchObject({ galleryChannelId: GALLERY, galleryMessageId: '700000000000000001' });
    expect(s.history.models(ALICE, GUILD)).toEqual(['flux-2-pro', 'gpt-image-2']);
    expect(s.history.models(ALICE, GUILD, 'GPT')).toEqual(['gpt-image-2']);
    // What was typed is text, not a pattern: LIKE's wildcards match only themselves.
    expect(s.history.models(ALICE, GUILD, '-')).toEqual(['flux-2-pro', 'gpt-image-2']);
    expect(s.history.models(ALICE, GUILD, '%')).toEqual([]);
    expect(s.history.models(ALICE, GUILD, 'flux_2')).toEqual([]);
    expect(s.history.models(ALICE, OTHER_GUILD)).toEqual([]);
  });

  it('migration 7 applies on a database that already has the first six', () => {
    const db = openTestDatabase(kind, { version: 6 });
    handles.push(db);
    migrate(db);
    if (kind === 'sqlite') expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    for (const table of ['gallery_settings', 'gallery_posts', 'favourites']) {
      expect(db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get()).toBe(0);
    }
  });
});
