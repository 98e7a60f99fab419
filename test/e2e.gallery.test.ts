// Community sharing end to end: the real bot process, the real discord.js client, the Discord fake
// and the relay fake. Share and ⭐ under results, the gallery post (copied image, credit, prompt,
// parameters, jump link, Re-roll / Details / ⭐), who may share, the age-restricted gallery,
// spoilers, /gallery top with its pages and periods, /gallery settings and its permission, deletion
// taking an image out of the gallery, and all of it across a restart.
//
// The fake has two guild channels: #general (where results are made; it also serves as the
// gallery) and an age-restricted one (the age-restricted gallery, and the log channel for the
// moderator test). Gallery posts are told apart from results by their buttons: ⭐ but no Delete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage, FakeUser, InteractOption } from './fakes/discord/index.js';
import {
  button,
  buttonId,
  buttonsOf,
  CAN_MANAGE_GUILD,
  CAN_MANAGE_MESSAGES,
  driver,
  embedOf,
  field,
  PLAIN,
  rowIdOf,
  rowsOf,
  sleep,
  until,
} from './helpers/galleryDriver.js';
import { startWorld, type World } from './helpers/world.js';

const REQUESTER: FakeUser = { id: '620000000000000001', username: 'requester' };
const MEMBER: FakeUser = { id: '620000000000000002', username: 'member' };
const THIRD: FakeUser = { id: '620000000000000003', username: 'third' };
const ADMIN: FakeUser = { id: '620000000000000004', username: 'admin' };
const MOD: FakeUser = { id: '620000000000000005', username: 'mod' };
const DAY = 86_400_000;

describe('community sharing: Share, ⭐, the gallery and /gallery (real bot process)', () => {
  let world: World;
  const d = driver(() => world);
  let general: string;
  let restricted: string;

  beforeAll(async () => {
    world = await startWorld();
    general = world.discord.channelId;
    restricted = world.discord.nsfwChannelId;
  });
  afterAll(async () => {
    await world?.close();
  });

  /** Gallery posts in a channel (current state): ⭐ but no Delete. */
  const galleryPosts = (channelId: string) =>
    world.discord
      .channelMessages(channelId)
      .filter((m) => !m.deleted && buttonsOf(m).some((b) => b.custom_id.startsWith('gal:fav:')) && !buttonsOf(m).some((b) => b.custom_id.startsWith('img:delete:')));
  const postOf = (rowId: number, channelId = general) => galleryPosts(channelId).find((m) => rowIdOf(m) === rowId);

  async function gallery(path: string, options: InteractOption[] = [], extra: Parameters<typeof d.command>[2] = {}) {
    const [first, second] = path.split(' ') as [string, string | undefined];
    const subcommand = second ? [{ name: first, type: 2, options: [{ name: second, type: 1, options }] }] : [{ name: first, type: 1, options }];
    return d.answerOf(d.command('gallery', subcommand, { user: ADMIN, memberPermissions: CAN_MANAGE_GUILD, ...extra }));
  }

  async function share(message: FakeMessage, user: FakeUser, locale?: string): Promise<FakeMessage> {
    return d.clickForAnswer(message, buttonId(message, 'gal:share:'), { user, ...(locale ? { locale } : {}) });
  }

  describe('buttons and settings', () => {
    it('a result has Share and ⭐ on a second row (ids ≤ 100 chars), labels in the user’s language', async () => {
      const en = await d.imagine('a paper boat on a puddle', { user: REQUESTER });
      const rows = rowsOf(en);
      expect(rows).toHaveLength(3);
      // The first row is the result's own (img:), whatever other features add to it.
      const own = rows[0]!.map((b) => b.custom_id.split(':').slice(0, 2).join(':'));
      expect(own.every((id) => id.startsWith('img:'))).toBe(true);
      expect(own).toEqual(expect.arrayContaining(['img:reroll', 'img:details', 'img:delete', 'img:report']));
      const id = rowIdOf(en);
      expect(rows[1]!.map((b) => [b.custom_id, b.label])).toEqual([
        [`gal:share:${id}`, 'Share'],
        [`gal:fav:${id}`, undefined],
      ]);
      for (const b of buttonsOf(en)) expect(b.custom_id.length).toBeLessThanOrEqual(100);

      const zh = await d.imagine('雨中的纸船', { user: REQUESTER, locale: 'zh-CN' });
      expect(button(zh, 'gal:share:').label).toBe('分享');
    });

    it('Share before the server has a gallery: the member is told to ask an admin, and nothing is posted', async () => {
      const message = await d.imagine('a kite over a beach', { user: REQUESTER });
      const before = galleryPosts(general).length;
      const answer = await share(message, REQUESTER);
      expect(answer.content).toMatch(/no gallery channel yet.*\/gallery settings channel/);
      const zh = await share(message, REQUESTER, 'zh-CN');
      expect(zh.content).toMatch(/还没有画廊频道/);
      await sleep(100);
      expect(galleryPosts(general)).toHaveLength(before);
      expect(d.query('SELECT * FROM gallery_posts')).toEqual([]);
    });

    it('/gallery settings needs Manage Server (checked at run time); an admin sets the channel and sees it', async () => {
      const refused = await gallery('settings channel', [{ name: 'channel', type: 7, value: general }], { user: MEMBER, memberPermissions: PLAIN });
      expect(refused.content).toMatch(/Manage Server/);
      const zh = await gallery('settings show', [], { user: MEMBER, memberPermissions: PLAIN, locale: 'zh-CN' });
      expect(zh.content).toMatch(/管理服务器/);
      expect(d.query('SELECT * FROM gallery_settings')).toEqual([]);

      const set = await gallery('settings channel', [{ name: 'channel', type: 7, value: general }]);
      expect(set.content).toBe(`Gallery channel set to <#${general}>.`);
      const again = await gallery('settings channel', [{ name: 'channel', type: 7, value: general }]);
      expect(again.content).toMatch(/Nothing changed/);
      const shown = embedOf(await gallery('settings show'));
      expect(field(shown, 'Gallery channel')).toBe(`<#${general}>`);
      expect(field(shown, 'Age-restricted gallery channel')).toBe('not set');
      expect(field(shown, 'Who may share')).toBe('the member who made the image');
      expect(d.query('SELECT channel_id, updated_by FROM gallery_settings')).toEqual([{ channel_id: general, updated_by: ADMIN.id }]);
    });
  });

  describe('sharing', () => {
    let message: FakeMessage;
    let rowId: number;

    beforeAll(async () => {
      message = await d.imagine('a lighthouse painted on a teacup', { user: REQUESTER });
      rowId = rowIdOf(message);
    });

    it('only the requester may share by default; another member is told so', async () => {
      const answer = await share(message, MEMBER);
      expect(answer.content).toMatch(/Only the member who made this image can share it/);
      expect(d.query('SELECT * FROM gallery_posts WHERE usage_id = ?', rowId)).toEqual([]);
    });

    it('the requester shares: a copy of the image with credit, prompt, model, size, seed, a jump link and Re-roll / Details / ⭐', async () => {
      const answer = await share(message, REQUESTER);
      const post = await until(() => postOf(rowId), 'the gallery post');
      expect(answer.content).toBe(`🖼️ Shared to the gallery: https://discord.com/channels/${world.discord.guildId}/${general}/${post.id}`);

      const row = d.usageRow(rowId);
      expect(post.content).toBe(`🖼️ Shared by <@${REQUESTER.id}>`);
      expect(post.allowed_mentions).toEqual({ parse: [] });
      const embed = embedOf(post);
      expect(embed.description).toBe('a lighthouse painted on a teacup');
      expect(field(embed, 'Model')).toBe('flux-2-pro');
      expect(field(embed, 'Size')).toBe(row.size_effective);
      expect(field(embed, 'Seed')).toBe(String(row.seed));
      expect(field(embed, 'Made by')).toBe(`<@${REQUESTER.id}>`);
      expect(field(embed, 'Original')).toContain(`https://discord.com/channels/${world.discord.guildId}/${message.channel_id}/${message.id}`);
      // The image itself, re-uploaded (the post outlives the original message's attachment).
      expect(post.attachments).toHaveLength(1);
      expect(post.attachments[0]!.filename).toBe(message.attachments[0]!.filename);
      expect(post.attachments[0]!.bytes.equals(message.attachments[0]!.bytes)).toBe(true);
      expect(embed.image?.url).toContain(post.attachments[0]!.filename);
      expect(buttonsOf(post).map((b) => [b.custom_id, b.label])).toEqual([
        [`img:reroll:${rowId}`, 'Re-roll'],
        [`img:details:${rowId}`, 'Details'],
        [`gal:fav:${rowId}`, undefined],
      ]);
      expect(d.query('SELECT guild_id, shared_by, channel_id, message_id, age_restricted, spoiler, removed_at FROM gallery_posts')).toEqual([
        { guild_id: world.discord.guildId, shared_by: REQUESTER.id, channel_id: general, message_id: post.id, age_restricted: 0, spoiler: 0, removed_at: null },
      ]);
      // The result shows it is shared.
      await until(() => button(d.stored(message), 'gal:share:').disabled === true, 'the Share button marked done');
      expect(button(d.stored(message), 'gal:share:').label).toBe('Shared');
      expect(d.stored(message).attachments).toHaveLength(1);
    });

    it('an image is shared once: two Share clicks at the same moment make one post', async () => {
      const other = await d.imagine('a fox in the snow', { user: REQUESTER });
      const otherId = rowIdOf(other);
      // Two clicks at once: one post.
      const [a, b] = await Promise.all([share(other, REQUESTER), share(other, REQUESTER)]);
      const post = await until(() => postOf(otherId), 'the gallery post');
      const texts = [a.content, b.content].sort();
      expect(texts.some((t) => t.startsWith('🖼️ Shared to the gallery'))).toBe(true);
      expect(texts.some((t) => /already in the gallery|being shared right now/.test(t))).toBe(true);
      await sleep(200);
      expect(galleryPosts(general).filter((m) => rowIdOf(m) === otherId)).toEqual([post]);
      expect(d.query('SELECT COUNT(*) AS n FROM gallery_posts WHERE usage_id = ?', otherId)).toEqual([{ n: 1 }]);
      // The claim comes before the copy: the second click did not download the image too.
      const imagePath = new URL(other.attachments[0]!.url).pathname;
      expect(world.discord.requests.filter((r) => r.method === 'GET' && r.path === imagePath)).toHaveLength(1);
    });

    it('with sharing open to anyone, another member may share, and the post credits both', async () => {
      const set = await gallery('settings sharing', [{ name: 'who', type: 3, value: 'anyone' }]);
      expect(set.content).toBe('Images can now be shared by any member.');
      const other = await d.imagine('a heron in the reeds', { user: REQUESTER });
      const answer = await share(other, MEMBER);
      expect(answer.content).toMatch(/^🖼️ Shared to the gallery/);
      const post = await until(() => postOf(rowIdOf(other)), 'the gallery post');
      expect(post.content).toBe(`🖼️ By <@${REQUESTER.id}>, shared by <@${MEMBER.id}>`);
    });

    it('a member blocked from generating images may not share them either', async () => {
      const admin = (sub: string) =>
        d.answerOf(d.command('imagine-admin', [{ name: sub, type: 1, options: [{ name: 'user', type: 6, value: THIRD.id }] }], { user: ADMIN, memberPermissions: CAN_MANAGE_GUILD }));
      await admin('block');
      const other = await d.imagine('a lamp post in fog', { user: REQUESTER });
      const answer = await share(other, THIRD);
      expect(answer.content).toMatch(/you cannot share images/);
      expect(d.query('SELECT * FROM gallery_posts WHERE usage_id = ?', rowIdOf(other))).toEqual([]);
      await admin('unblock');
    });

    it('Re-roll and Details work from the gallery post (the same usage row)', async () => {
      const post = postOf(rowId)!;
      const details = await d.clickForAnswer(post, `img:details:${rowId}`, { user: THIRD });
      expect(embedOf(details).description).toBe('a lighthouse painted on a teacup');
      const rows = world.usageRows().length;
      const { handle, callback } = await d.click(post, `img:reroll:${rowId}`, { user: THIRD });
      expect(callback.type).toBe(5);
      await handle.waitFor((s) => (s.original?.attachments.length ?? 0) > 0, 20_000);
      expect(world.usageRows().length).toBe(rows + 1);
      expect(world.usageRows().at(-1)).toMatchObject({ user_id: THIRD.id, prompt: 'a lighthouse painted on a teacup' });
    });

    it('⭐ toggles one favourite per member; the count shows on both the result and the gallery post', async () => {
      const first = await d.star(message, MEMBER);
      expect(first.note).toBe('⭐ Added to your favourites (1 in all).');
      expect(button(first.message, 'gal:fav:').label).toBe('1');
      // The clicked message kept its image, embed and other buttons.
      expect(first.message.attachments).toHaveLength(1);
      expect(first.message.embeds).toEqual(message.embeds);
      expect(buttonsOf(first.message)).toHaveLength(buttonsOf(message).length);
      await until(() => button(postOf(rowId)!, 'gal:fav:').label === '1', 'the gallery post’s count');

      const second = await d.star(postOf(rowId)!, THIRD, 'zh-CN');
      expect(second.note).toBe('⭐ 已加入你的收藏(共 2 人收藏)。');
      expect(button(second.message, 'gal:fav:').label).toBe('2');
      expect(buttonsOf(second.message).map((b) => b.custom_id.split(':')[1])).toEqual(['reroll', 'details', 'fav']);
      await until(() => button(d.stored(message), 'gal:fav:').label === '2', 'the result’s count');

      const undo = await d.star(d.stored(message), MEMBER);
      expect(undo.note).toBe('Removed from your favourites (1 left).');
      expect(button(undo.message, 'gal:fav:').label).toBe('1');
      expect(d.query('SELECT user_id FROM favourites WHERE usage_id = ?', rowId)).toEqual([{ user_id: THIRD.id }]);
    });
  });

  describe('age-restricted images and spoilers', () => {
    it('an image made in an age-restricted channel is refused without an age-restricted gallery, never posted to the ordinary one', async () => {
      const message = await d.imagine('a moody noir street', { user: REQUESTER, nsfw: true });
      const before = galleryPosts(general).length;
      const answer = await share(message, REQUESTER);
      expect(answer.content).toMatch(/made in an age-restricted channel.*none is set.*\/gallery settings nsfw-channel/);
      const zh = await share(message, REQUESTER, 'zh-CN');
      expect(zh.content).toMatch(/年龄限制画廊/);
      await sleep(100);
      expect(galleryPosts(general)).toHaveLength(before);

      // The setting takes only a channel Discord marks age-restricted.
      const wrong = await gallery('settings nsfw-channel', [{ name: 'channel', type: 7, value: general }]);
      expect(wrong.content).toMatch(/is not age-restricted/);
      const set = await gallery('settings nsfw-channel', [{ name: 'channel', type: 7, value: restricted }]);
      expect(set.content).toBe(`Age-restricted gallery channel set to <#${restricted}>.`);

      const shared = await share(message, REQUESTER);
      expect(shared.content).toContain(`/channels/${world.discord.guildId}/${restricted}/`);
      const post = await until(() => postOf(rowIdOf(message), restricted), 'the age-restricted gallery post');
      expect(post.attachments).toHaveLength(1);
      expect(galleryPosts(general)).toHaveLength(before);
      expect(d.query('SELECT channel_id, age_restricted FROM gallery_posts WHERE usage_id = ?', rowIdOf(message))).toEqual([{ channel_id: restricted, age_restricted: 1 }]);
    });

    it('an ordinary image still goes to the ordinary gallery when both are set', async () => {
      const message = await d.imagine('a sunny meadow', { user: REQUESTER });
      await share(message, REQUESTER);
      await until(() => postOf(rowIdOf(message), general), 'the ordinary gallery post');
      expect(postOf(rowIdOf(message), restricted)).toBeUndefined();
    });

    it('a spoilered image stays spoilered in the gallery: SPOILER_ file, no preview, prompt hidden', async () => {
      await d.answerOf(
        d.command('imagine-admin', [{ name: 'spoiler', type: 2, options: [{ name: 'on', type: 1, options: [{ name: 'channel', type: 7, value: general }] }] }], {
          user: ADMIN,
          memberPermissions: CAN_MANAGE_GUILD,
        }),
      );
      const message = await d.imagine('a surprise in a box', { user: REQUESTER });
      expect(message.attachments[0]!.filename).toMatch(/^SPOILER_/);
      await share(message, REQUESTER);
      const post = await until(() => postOf(rowIdOf(message)), 'the gallery post');
      expect(post.attachments[0]!.filename).toMatch(/^SPOILER_/);
      expect(embedOf(post).image).toBeUndefined();
      expect(embedOf(post).description).toBe('||a surprise in a box||');
      expect(d.query('SELECT spoiler FROM gallery_posts WHERE usage_id = ?', rowIdOf(message))).toEqual([{ spoiler: 1 }]);
      await d.answerOf(
        d.command('imagine-admin', [{ name: 'spoiler', type: 2, options: [{ name: 'off', type: 1, options: [{ name: 'channel', type: 7, value: general }] }] }], {
          user: ADMIN,
          memberPermissions: CAN_MANAGE_GUILD,
        }),
      );
    });
  });

  describe('/gallery top', () => {
    const starred: FakeMessage[] = [];
    const FANS: FakeUser[] = Array.from({ length: 6 }, (_, i) => ({ id: `63000000000000000${i}`, username: `fan${i}` }));

    beforeAll(async () => {
      // Start from a clean slate of favourites, then image i gets i + 1 stars.
      d.write('DELETE FROM favourites');
      for (let i = 0; i < 6; i++) {
        const message = await d.imagine(`top candidate ${i}`, { user: i % 2 ? MEMBER : REQUESTER });
        for (const fan of FANS.slice(0, i + 1)) await d.star(d.stored(message), fan);
        starred.push(message);
      }
    });

    const top = (period?: string, extra: Parameters<typeof d.command>[2] = {}) =>
      d.answerOf(d.command('gallery', [{ name: 'top', type: 1, options: period ? [{ name: 'period', type: 3, value: period }] : [] }], { user: THIRD, ...extra }));

    it('lists the most favoured first, five to a page, privately, with Prev / Next carrying period and page', async () => {
      const page1 = await top('week');
      const embed = embedOf(page1);
      expect(embed.title).toBe('⭐ Most favoured images — Last 7 days');
      const lines = embed.description!.split('\n\n');
      expect(lines).toHaveLength(5);
      expect(lines[0]).toMatch(/^\*\*1\.\*\* ⭐ 6 — top candidate 5\n {2}by <@620000000000000002> · flux-2-pro · <t:\d+:R> · \[Jump\]\(https:\/\/discord\.com\/channels\//);
      expect(lines.map((line) => line.match(/⭐ (\d+)/)![1])).toEqual(['6', '5', '4', '3', '2']);
      expect(embed.footer?.text).toBe('Page 1 of 2 · 6 in all');
      expect(buttonsOf(page1).map((b) => [b.custom_id, b.disabled ?? false])).toEqual([
        ['gal:top:week:0', true],
        ['gal:top:week:2', false],
      ]);

      const { handle, callback } = await d.click(page1, 'gal:top:week:2', { user: THIRD });
      expect(callback.type).toBe(7);
      const page2 = handle.original()!;
      expect(embedOf(page2).description).toMatch(/^\*\*6\.\*\* ⭐ 1 — top candidate 0/);
      expect(embedOf(page2).footer?.text).toBe('Page 2 of 2 · 6 in all');
      expect(buttonsOf(page2).map((b) => [b.custom_id, b.disabled ?? false])).toEqual([
        ['gal:top:week:1', false],
        ['gal:top:week:3', true],
      ]);
      const back = await d.click(page2, 'gal:top:week:1', { user: THIRD });
      expect(embedOf(back.handle.original()!).footer?.text).toBe('Page 1 of 2 · 6 in all');
    });

    it('a shared image links to its gallery post; zh-CN is answered in Chinese', async () => {
      // The lighthouse, shared earlier (its stars were cleared above): three stars put it on page 1.
      const shared = galleryPosts(general)[0]!;
      for (const fan of FANS.slice(0, 3)) await d.star(shared, fan);
      const page = await top('all', { locale: 'zh-CN' });
      const embed = embedOf(page);
      expect(embed.title).toBe('⭐ 最受喜爱的图片 — 全部时间');
      expect(embed.description).toContain(`[画廊](https://discord.com/channels/${world.discord.guildId}/${general}/${shared.id})`);
      expect(embed.footer?.text).toBe('第 1/2 页 · 共 7 项');
      for (const fan of FANS.slice(0, 3)) await d.star(d.stored(shared), fan);
    });

    it('week, month and all time count the images made in that period', async () => {
      d.write('UPDATE usage SET started_at = ? WHERE id = ?', Date.now() - 40 * DAY, rowIdOf(starred[5]!));
      d.write('UPDATE usage SET started_at = ? WHERE id = ?', Date.now() - 10 * DAY, rowIdOf(starred[4]!));
      const firstOf = async (period: string) => embedOf(await top(period)).description!.split('\n\n')[0];
      expect(await firstOf('all')).toMatch(/⭐ 6 — top candidate 5/);
      expect(await firstOf('month')).toMatch(/⭐ 5 — top candidate 4/);
      expect(await firstOf('week')).toMatch(/⭐ 4 — top candidate 3/);
      expect(embedOf(await top()).title).toMatch(/Last 7 days/);
    });

    it('images from an age-restricted channel are listed only when asked in an age-restricted channel', async () => {
      const nsfwPost = galleryPosts(restricted)[0]!;
      for (const fan of FANS) await d.star(nsfwPost, fan);
      await d.star(nsfwPost, MEMBER);
      const ordinary = embedOf(await top('all'));
      expect(ordinary.description).not.toContain('a moody noir street');
      expect(ordinary.footer?.text).toMatch(/listed only in age-restricted channels/);
      const inRestricted = embedOf(await top('all', { nsfw: true }));
      expect(inRestricted.description!.split('\n\n')[0]).toMatch(/⭐ 7 — a moody noir street/);
      expect(inRestricted.footer?.text).not.toMatch(/age-restricted/);
    });

    it('is refused in a DM', async () => {
      const answer = await top('week', { guildId: null });
      expect(answer.content).toMatch(/belongs to a server/);
    });
  });

  describe('deletion', () => {
    it('the Delete button removes the gallery post and hides the image from /gallery top and /history; the usage row stays', async () => {
      const message = await d.imagine('a castle made of sand', { user: REQUESTER });
      const id = rowIdOf(message);
      await share(message, REQUESTER);
      const post = await until(() => postOf(id), 'the gallery post');
      await d.star(post, THIRD);
      await d.star(post, MEMBER);

      const answer = await d.clickForAnswer(d.stored(message), `img:delete:${id}`, { user: REQUESTER });
      expect(answer.content).toMatch(/Deleted/);
      expect(d.stored(message).deleted).toBe(true);
      await until(() => d.stored(post).deleted, 'the gallery post deleted');
      expect(d.query('SELECT removed_at FROM gallery_posts WHERE usage_id = ?', id)[0]!.removed_at).toEqual(expect.any(Number));
      expect(d.usageRow(id)).toMatchObject({ outcome: 'success', deleted_at: expect.any(Number) });

      const listed = embedOf(await d.answerOf(d.command('gallery', [{ name: 'top', type: 1, options: [{ name: 'period', type: 3, value: 'all' }] }], { user: THIRD })));
      expect(listed.description).not.toContain('a castle made of sand');
      const history = embedOf(await d.answerOf(d.command('history', [], { user: REQUESTER })));
      expect(history.description).not.toContain('a castle made of sand');
      // Its favourites stay, like the usage row; the image is only no longer listed.
      expect(d.query('SELECT COUNT(*) AS n FROM favourites WHERE usage_id = ?', id)).toEqual([{ n: 2 }]);
    });

    it('a moderator’s Delete on a report removes the gallery post too', async () => {
      await d.answerOf(
        d.command('imagine-admin', [{ name: 'logchannel', type: 2, options: [{ name: 'set', type: 1, options: [{ name: 'channel', type: 7, value: restricted }] }] }], {
          user: ADMIN,
          memberPermissions: CAN_MANAGE_GUILD,
        }),
      );
      const message = await d.imagine('a tower of teacups', { user: REQUESTER });
      const id = rowIdOf(message);
      await share(message, REQUESTER);
      const post = await until(() => postOf(id), 'the gallery post');
      await d.clickForAnswer(message, `img:report:${id}`, { user: THIRD });
      const report = await until(
        () => world.discord.channelMessages(restricted).find((m) => !m.deleted && buttonsOf(m).some((b) => b.custom_id === `mod:delete:${id}`)),
        'the report',
      );
      const answer = await d.clickForAnswer(report, `mod:delete:${id}`, { user: MOD, memberPermissions: CAN_MANAGE_MESSAGES });
      expect(answer.content).toMatch(/Deleted the reported image/);
      await until(() => d.stored(post).deleted, 'the gallery post deleted');
      expect(d.query('SELECT removed_at FROM gallery_posts WHERE usage_id = ?', id)[0]!.removed_at).toEqual(expect.any(Number));
    });

    it('a settings change is announced in the log channel, in the server’s language', async () => {
      const set = await gallery('settings sharing', [{ name: 'who', type: 3, value: 'requester' }], { locale: 'zh-CN' });
      expect(set.content).toBe('现在可以分享图片的是:图片的生成者。');
      const notice = await until(() => world.discord.channelMessages(restricted).find((m) => m.content.includes('Who may share')), 'the notice');
      expect(notice.content).toBe(`🖼️ <@${ADMIN.id}> set **Who may share** to the member who made the image.`);
      expect(notice.allowed_mentions).toEqual({ parse: [] });
      // Audited like a policy change, and listed by /imagine-admin audit.
      const audited = d.query<{ actor_id: string; detail: string }>("SELECT actor_id, detail FROM audit_log WHERE action = 'gallery.update' ORDER BY id DESC LIMIT 1");
      expect(audited.map((row) => [row.actor_id, JSON.parse(row.detail)])).toEqual([[ADMIN.id, { changes: [{ field: 'shareByAnyone', from: true, to: false }] }]]);
      const audit = await d.answerOf(d.command('imagine-admin', [{ name: 'audit', type: 1, options: [] }], { user: ADMIN, memberPermissions: CAN_MANAGE_GUILD }));
      expect(JSON.stringify(audit)).toContain('set **Who may share** to the member who made the image.');
    });
  });

  describe('after a restart', () => {
    it('Share, ⭐ and the /gallery top pages keep working (state in the custom_id and the database)', async () => {
      const unshared = await d.imagine('a clockwork owl', { user: REQUESTER });
      const before = await d.answerOf(d.command('gallery', [{ name: 'top', type: 1, options: [{ name: 'period', type: 3, value: 'all' }] }], { user: THIRD }));
      const lighthouse = galleryPosts(general).find((m) => embedOf(m).description === 'a lighthouse painted on a teacup')!;
      const count = Number(button(lighthouse, 'gal:fav:').label ?? 0);
      const settings = d.query('SELECT * FROM gallery_settings');

      await world.restartBot();

      expect(d.query('SELECT * FROM gallery_settings')).toEqual(settings);
      const starred = await d.star(lighthouse, ADMIN);
      expect(button(starred.message, 'gal:fav:').label).toBe(String(count + 1));
      const paged = await d.click(before, 'gal:top:all:2', { user: THIRD });
      expect(paged.callback.type).toBe(7);
      expect(embedOf(paged.handle.original()!).footer?.text).toMatch(/^Page 2 of \d+/);
      const answer = await share(unshared, REQUESTER);
      expect(answer.content).toMatch(/^🖼️ Shared to the gallery/);
      await until(() => postOf(rowIdOf(unshared)), 'the gallery post');
    });

    it('the bot stayed healthy', () => {
      expect(world.bot.child.exitCode).toBeNull();
      expect(world.bot.logs.filter((line) => /unhandled rejection|stopped on an unexpected error|interaction handler failed/.test(line))).toEqual([]);
    });
  });
});
