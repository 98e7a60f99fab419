import { describe, expect, it, vi } from 'vitest';
import { describeAuditEntry, describeBlockedPrompt } from '../../src/moderation/auditText.js';
import { DEFAULT_POLICY_SETTINGS, PolicyValidationError } from '../../src/moderation/guildPolicy.js';
import { normalizeForMatching } from '../../src/moderation/normalize.js';
import { AuditLog } from '../../src/storage/auditLog.js';
import { Ledger } from '../../src/storage/ledger.js';
import type { Database } from '../../src/storage/database.js';
import { migrate, MIGRATIONS } from '../../src/storage/migrations.js';
import { MAX_BLOCKED_WORDS, PolicyService } from '../../src/policy/index.js';
import { databasesClosedAfterEach, TEST_DATABASES } from '../helpers/databases.js';
import { nextRequest } from '../helpers/nextRequest.js';
import { refuseWrites } from '../helpers/refuseWrites.js';

// Larger than Number.MAX_SAFE_INTEGER: a numeric round-trip would change the last digits.
const GUILD = '987654321098765432';
const OTHER_GUILD = '987654321098765433';
const ADMIN = '1234567890123456789';
const USER = '1234567890123456781';
const ROLE_VIP = '555555555555555551';
const ROLE_BOOSTER = '555555555555555552';
const CHANNEL = '111111111111111111';
const LOG = '444444444444444444';

const { openFresh, sharedLocation, connect } = databasesClosedAfterEach();

function makeStore(db: Database): { db: Database; policies: PolicyService; clock: { now: number } } {
  const clock = { now: 1_700_000_000_000 };
  const policies = new PolicyService(db, { now: () => clock.now++ });
  return { db, policies, clock };
}

/** Makes every audit insert fail, to prove the change and its audit row commit or fail together. */
function breakAuditLog(db: Database): void {
  refuseWrites(db, 'audit_broken', 'INSERT ON audit_log', 'audit log is broken');
}

function auditCount(db: Database): number {
  return db.prepare('SELECT COUNT(*) FROM audit_log').pluck().get() as number;
}

describe.each(TEST_DATABASES)('the policy migration (%s)', (kind) => {
  const open = (): Database => openFresh(kind);

  it('applies after the existing migrations and only once', () => {
    const db = open();
    if (kind === 'sqlite') expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    migrate(db, MIGRATIONS);
    for (const table of ['audit_log', 'blocked_users', 'guild_blocked_words', 'guild_policy', 'role_quota']) {
      expect(db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get()).toBe(0);
    }
  });
});

describe.each(TEST_DATABASES)('PolicyStore policy (%s)', (kind) => {
  const open = (): Database => openFresh(kind);
  const store = (db: Database = open()) => makeStore(db);

  it('gives the defaults for a server that never changed anything', () => {
    const { policies } = store();
    expect(policies.get(GUILD)).toEqual({ ...DEFAULT_POLICY_SETTINGS, guildId: GUILD, updatedAt: null, updatedBy: null });
  });

  it('round-trips every setting, snowflakes intact, and audits the change', () => {
    const { policies } = store();
    const patch = {
      allowedModels: ['flux-2-pro', 'gpt-image-1'],
      allowedChannels: [CHANNEL],
      spoilerChannels: [CHANNEL],
      safetyNormalDefault: 1,
      safetyNormalMax: 2,
      safetyNsfwDefault: 3,
      safetyNsfwMax: 5,
      dailyQuota: 25,
      cooldownSeconds: 30,
      dailyBudgetUsd: 2.5,
      monthlyBudgetUsd: 40,
      logChannelId: LOG,
    };
    const result = policies.update(GUILD, patch, ADMIN);
    const expected = { ...patch, guildId: GUILD, updatedAt: 1_700_000_000_000, updatedBy: ADMIN };
    expect(result.policy).toEqual(expected);
    expect(policies.get(GUILD)).toEqual(expected);
    expect(policies.get(OTHER_GUILD).updatedAt).toBeNull();

    expect(result.changes.map((c) => c.field).sort()).toEqual(Object.keys(patch).filter((k) => k !== 'safetyNormalMax').sort());
    expect(result.audit).toMatchObject({ guildId: GUILD, actorId: ADMIN, action: 'policy.update', at: 1_700_000_000_000 });
    expect(policies.audit.recent(GUILD)).toEqual([result.audit]);
  });

  it('writes nothing for a change that changes nothing', () => {
    const { db, policies } = store();
    policies.update(GUILD, { dailyQuota: 5 }, ADMIN);
    const again = policies.update(GUILD, { dailyQuota: 5, cooldownSeconds: 0 }, ADMIN);
    expect(again.changes).toEqual([]);
    expect(again.audit).toBeUndefined();
    expect(auditCount(db)).toBe(1);
  });

  it('rolls the change back when its audit row cannot be written', () => {
    const { db, policies } = store();
    policies.update(GUILD, { dailyQuota: 5 }, ADMIN);
    breakAuditLog(db);
    expect(() => policies.update(GUILD, { dailyQuota: 50, cooldownSeconds: 10 }, ADMIN)).toThrow(/audit log is broken/);
    expect(policies.get(GUILD)).toMatchObject({ dailyQuota: 5, cooldownSeconds: 0 });
    expect(() => policies.block(GUILD, USER, ADMIN)).toThrow(/audit log is broken/);
    expect(policies.isBlocked(GUILD, USER)).toBe(false);
    expect(() => policies.addBlockedWord(GUILD, 'gore', ADMIN)).toThrow(/audit log is broken/);
    expect(policies.listBlockedWords(GUILD)).toEqual([]);
    expect(() => policies.setRoleQuota(GUILD, ROLE_VIP, 10, ADMIN)).toThrow(/audit log is broken/);
    expect(policies.listRoleQuotas(GUILD)).toEqual([]);
  });

  it('refuses an invalid change with a message for the admin, and stores nothing', () => {
    const { db, policies } = store();
    expect(() => policies.update(GUILD, { safetyNsfwMax: 9 }, ADMIN)).toThrow(PolicyValidationError);
    expect(policies.get(GUILD).updatedAt).toBeNull();
    expect(auditCount(db)).toBe(0);
  });

  it('edits list settings by adding and removing', () => {
    const { policies } = store();
    policies.editList(GUILD, 'allowedModels', { add: ['flux-2-pro', 'gpt-image-1'] }, ADMIN);
    const result = policies.editList(GUILD, 'allowedModels', { add: ['flux-dev', 'FLUX-2-PRO'], remove: ['GPT-IMAGE-1'] }, ADMIN);
    expect(result.policy.allowedModels).toEqual(['flux-2-pro', 'flux-dev']);
    expect(result.changes).toEqual([
      { field: 'allowedModels', from: ['flux-2-pro', 'gpt-image-1'], to: ['flux-2-pro', 'flux-dev'] },
    ]);
    policies.editList(GUILD, 'spoilerChannels', { add: [CHANNEL] }, ADMIN);
    expect(policies.get(GUILD).spoilerChannels).toEqual([CHANNEL]);
    expect(() => policies.editList(GUILD, 'allowedChannels', { add: ['not-a-channel'] }, ADMIN)).toThrow(PolicyValidationError);
  });

  it('resets to the defaults in one audited change', () => {
    const { policies } = store();
    policies.update(GUILD, { dailyQuota: 3, logChannelId: LOG }, ADMIN);
    const reset = policies.reset(GUILD, ADMIN);
    expect(reset.changes.map((c) => c.field)).toEqual(['dailyQuota', 'logChannelId']);
    expect(policies.get(GUILD)).toMatchObject(DEFAULT_POLICY_SETTINGS);
  });

  it('falls back to "unrestricted" for an unreadable list column', () => {
    const { db, policies } = store();
    policies.update(GUILD, { allowedChannels: [CHANNEL] }, ADMIN);
    db.prepare("UPDATE guild_policy SET allowed_channels = 'not json', allowed_models = '{\"a\":1}'").run();
    expect(policies.get(GUILD)).toMatchObject({ allowedChannels: [], allowedModels: [] });
  });
});

describe.each(TEST_DATABASES)('PolicyStore role quotas (%s)', (kind) => {
  const open = (): Database => openFresh(kind);
  const store = (db: Database = open()) => makeStore(db);

  it('sets, lists, resolves and clears, auditing each change', () => {
    const { policies } = store();
    policies.update(GUILD, { dailyQuota: 10 }, ADMIN);
    expect(policies.setRoleQuota(GUILD, ROLE_VIP, 50, ADMIN)).toMatchObject({
      action: 'role_quota.set',
      detail: { roleId: ROLE_VIP, dailyQuota: 50 },
    });
    expect(policies.setRoleQuota(GUILD, ROLE_VIP, 50, ADMIN)).toBeUndefined();
    expect(policies.setRoleQuota(GUILD, ROLE_VIP, null, ADMIN)).toMatchObject({
      detail: { roleId: ROLE_VIP, dailyQuota: null, previous: 50 },
    });
    policies.setRoleQuota(GUILD, ROLE_BOOSTER, 20, ADMIN);

    expect(policies.listRoleQuotas(GUILD).map(({ roleId, dailyQuota }) => ({ roleId, dailyQuota }))).toEqual([
      { roleId: ROLE_VIP, dailyQuota: null },
      { roleId: ROLE_BOOSTER, dailyQuota: 20 },
    ]);
    expect(policies.listRoleQuotas(OTHER_GUILD)).toEqual([]);
    expect(policies.dailyQuotaFor(GUILD, [])).toBe(10);
    expect(policies.dailyQuotaFor(GUILD, [ROLE_BOOSTER])).toBe(20);
    expect(policies.dailyQuotaFor(GUILD, [ROLE_BOOSTER, ROLE_VIP])).toBeNull();

    expect(policies.clearRoleQuota(GUILD, ROLE_VIP, ADMIN)).toMatchObject({
      action: 'role_quota.clear',
      detail: { roleId: ROLE_VIP, previous: null },
    });
    expect(policies.clearRoleQuota(GUILD, ROLE_VIP, ADMIN)).toBeUndefined();
    expect(policies.dailyQuotaFor(GUILD, [ROLE_VIP])).toBe(10);
    expect(policies.audit.recent(GUILD).map((e) => e.action)).toEqual([
      'role_quota.clear',
      'role_quota.set',
      'role_quota.set',
      'role_quota.set',
      'policy.update',
    ]);
  });

  it('refuses a quota that is not a whole number from 0, and ids that are not snowflakes', () => {
    const { policies } = store();
    expect(() => policies.setRoleQuota(GUILD, ROLE_VIP, -1, ADMIN)).toThrow(PolicyValidationError);
    expect(() => policies.setRoleQuota(GUILD, ROLE_VIP, 1.5, ADMIN)).toThrow(PolicyValidationError);
    expect(() => policies.setRoleQuota(GUILD, '@vip', 5, ADMIN)).toThrow(TypeError);
  });
});

describe.each(TEST_DATABASES)('PolicyStore blocked users (%s)', (kind) => {
  const open = (): Database => openFresh(kind);
  const store = (db: Database = open()) => makeStore(db);

  it('blocks, re-blocks with a new reason, lists and unblocks, auditing each change', () => {
    const { policies, db } = store();
    expect(policies.isBlocked(GUILD, USER)).toBe(false);
    expect(policies.block(GUILD, USER, ADMIN, '  spam  ')).toMatchObject({
      action: 'user.block',
      detail: { userId: USER, reason: 'spam' },
    });
    expect(policies.isBlocked(GUILD, USER)).toBe(true);
    expect(policies.isBlocked(OTHER_GUILD, USER)).toBe(false);
    expect(policies.block(GUILD, USER, ADMIN, 'spam')).toBeUndefined();
    expect(policies.block(GUILD, USER, ADMIN, 'spam and abuse')).toMatchObject({ detail: { reason: 'spam and abuse' } });
    expect(policies.getBlock(GUILD, USER)).toMatchObject({ userId: USER, reason: 'spam and abuse', blockedBy: ADMIN });
    expect(policies.listBlocked(GUILD).map((b) => b.userId)).toEqual([USER]);

    expect(policies.unblock(GUILD, USER, ADMIN)).toMatchObject({ action: 'user.unblock', detail: { userId: USER } });
    expect(policies.unblock(GUILD, USER, ADMIN)).toBeUndefined();
    expect(policies.isBlocked(GUILD, USER)).toBe(false);
    expect(policies.listBlocked(GUILD)).toEqual([]);
    expect(auditCount(db)).toBe(3);
  });

  it('cuts a very long reason and keeps an absent one null', () => {
    const { policies } = store();
    policies.block(GUILD, USER, ADMIN, 'x'.repeat(2_000));
    expect(policies.getBlock(GUILD, USER)?.reason).toHaveLength(500);
    policies.block(GUILD, '42', ADMIN);
    expect(policies.getBlock(GUILD, '42')?.reason).toBeNull();
  });
});

describe.each(TEST_DATABASES)('PolicyStore blocked words (%s)', (kind) => {
  const open = (): Database => openFresh(kind);
  const store = (db: Database = open()) => makeStore(db);

  it('adds, deduplicates by normalised spelling, lists, filters and removes', () => {
    const { policies } = store();
    expect(policies.addBlockedWord(GUILD, ' NSFW ', ADMIN)).toMatchObject({
      action: 'word.add',
      detail: { entry: 'NSFW', kind: 'word' },
    });
    expect(policies.addBlockedWord(GUILD, 'n.s.f.w', ADMIN)).toBeUndefined();
    expect(policies.addBlockedWord(GUILD, '/g[o0]re/i', ADMIN)).toMatchObject({ detail: { kind: 'regex' } });
    policies.addBlockedWord(GUILD, '血腥', ADMIN);
    expect(policies.listBlockedWords(GUILD).map((w) => w.entry)).toEqual(['NSFW', '/g[o0]re/i', '血腥']);

    const filter = policies.wordFilter(GUILD);
    expect(filter.match('some n$fw art')).toEqual({ entry: 'NSFW' });
    expect(filter.match('G0RE')).toEqual({ entry: '/g[o0]re/i' });
    expect(filter.match('有血腥')).toEqual({ entry: '血腥' });
    expect(filter.match('a classy landscape')).toBeUndefined();
    expect(policies.wordFilter(GUILD)).toBe(filter); // unchanged list: cached
    expect(policies.wordFilter(OTHER_GUILD).match('nsfw')).toBeUndefined();

    expect(policies.removeBlockedWord(GUILD, 'ｎｓｆｗ', ADMIN)).toMatchObject({
      action: 'word.remove',
      detail: { entry: 'NSFW', kind: 'word' },
    });
    expect(policies.removeBlockedWord(GUILD, 'nsfw', ADMIN)).toBeUndefined();
    expect(policies.removeBlockedWord(GUILD, '/g[o0]re/i', ADMIN)).toMatchObject({ detail: { kind: 'regex' } });
    expect(policies.wordFilter(GUILD).entries).toEqual(['血腥']);
  });

  it('refuses unusable entries with a message for the admin', () => {
    const { db, policies } = store();
    for (const entry of ['/(a+)+/', '/(/', '', 'a', '/x/g']) {
      expect(() => policies.addBlockedWord(GUILD, entry, ADMIN)).toThrow(PolicyValidationError);
    }
    expect(auditCount(db)).toBe(0);
  });

  it(`holds at most ${MAX_BLOCKED_WORDS} entries per server`, () => {
    const { db, policies } = store();
    const insert = db.prepare(
      "INSERT INTO guild_blocked_words (guild_id, match_key, entry, kind, added_by, added_at) VALUES (?, ?, ?, 'word', ?, 0)",
    );
    db.transaction(() => {
      for (let i = 0; i < MAX_BLOCKED_WORDS; i++) {
        // Letters only, and never three alike in a row, so every entry normalises to its own key.
        const word = `word${[...String(i)].map((d) => `q${'abcdefghij'[Number(d)]}`).join('')}`;
        insert.run(GUILD, normalizeForMatching(word), word, ADMIN);
      }
    })();
    expect(() => policies.addBlockedWord(GUILD, 'onemore', ADMIN)).toThrow(/most allowed/);
    expect(policies.addBlockedWord(GUILD, 'WORDQB', ADMIN)).toBeUndefined(); // already there
    expect(policies.addBlockedWord(OTHER_GUILD, 'onemore', ADMIN)).toBeDefined();
  });

  it('sees entries another process added, at its next request', async () => {
    const location = sharedLocation(kind);
    const first = store(connect(location)).policies;
    const second = store(connect(location)).policies;
    expect(second.wordFilter(GUILD).match('gore')).toBeUndefined();
    first.addBlockedWord(GUILD, 'gore', ADMIN);
    await nextRequest();
    expect(second.wordFilter(GUILD).match('gore')).toEqual({ entry: 'gore' });
    first.update(GUILD, { dailyQuota: 7 }, ADMIN);
    await nextRequest();
    expect(second.get(GUILD).dailyQuota).toBe(7);
  });

  it('reads no row for an unchanged list, and still sees a change from another connection or store', async () => {
    const location = sharedLocation(kind);
    const mine = store(connect(location));
    const elsewhere = store(connect(location));
    const other = elsewhere.policies;
    const sameConnection = new PolicyService(mine.db);
    const policies = mine.policies;
    policies.addBlockedWord(GUILD, 'gore', ADMIN);
    // Every read of the entries.
    const entryReads = vi.spyOn(policies.store, 'wordEntries');
    const filter = policies.wordFilter(GUILD);
    expect(entryReads).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 5; i++) {
      await nextRequest();
      expect(policies.wordFilter(GUILD)).toBe(filter);
    }
    expect(entryReads).toHaveBeenCalledTimes(1); // unchanged: no row read
    expect(policies.admissionContext(GUILD, USER).filter).toBe(filter);
    expect(entryReads).toHaveBeenCalledTimes(1);
    // What every /imagine writes, here or in another process (a ledger reservation), is no setting: no re-read.
    for (let i = 0; i < 3; i++) {
      new Ledger(i === 1 ? elsewhere.db : mine.db).reserve({ key: `k${i}`, guildId: GUILD, userId: USER, images: 1, cost: 0.01, limits: {} });
      await nextRequest();
      expect(policies.admissionContext(GUILD, USER).filter).toBe(filter);
    }
    expect(entryReads).toHaveBeenCalledTimes(1);

    // Another connection changes another setting: the one settings counter moves, so the entries are
    // read again once, and the compiled filter is kept (they are the same).
    other.update(GUILD, { dailyQuota: 3 }, ADMIN);
    await nextRequest();
    expect(policies.wordFilter(GUILD)).toBe(filter);
    expect(entryReads).toHaveBeenCalledTimes(2);
    await nextRequest();
    expect(policies.wordFilter(GUILD)).toBe(filter);
    expect(entryReads).toHaveBeenCalledTimes(2);

    // Another connection (another process) changes the list: seen at this process's next request.
    other.addBlockedWord(GUILD, 'blood', ADMIN);
    await nextRequest();
    expect(policies.wordFilter(GUILD).match('blood')).toEqual({ entry: 'blood' });
    other.removeBlockedWord(GUILD, 'gore', ADMIN);
    await nextRequest();
    expect(policies.wordFilter(GUILD).match('gore')).toBeUndefined();
    expect(policies.wordFilter(GUILD).entries).toEqual(['blood']);

    // This connection, through this service or another one on it: seen at once, without waiting.
    policies.addBlockedWord(GUILD, 'ash', ADMIN);
    expect(policies.wordFilter(GUILD).entries).toEqual(['blood', 'ash']);
    const cached = policies.wordFilter(GUILD);
    sameConnection.removeBlockedWord(GUILD, 'blood', ADMIN);
    expect(policies.wordFilter(GUILD)).not.toBe(cached);
    expect(policies.wordFilter(GUILD).entries).toEqual(['ash']);
    // A change that changes nothing is no reason to read again.
    const reads = entryReads.mock.calls.length;
    expect(policies.removeBlockedWord(GUILD, 'not-there', ADMIN)).toBeUndefined();
    expect(policies.wordFilter(GUILD).entries).toEqual(['ash']);
    expect(entryReads).toHaveBeenCalledTimes(reads);
  });

  it('gives admit everything it needs at once', () => {
    const { policies } = store();
    policies.block(GUILD, USER, ADMIN);
    policies.addBlockedWord(GUILD, 'gore', ADMIN);
    const context = policies.admissionContext(GUILD, USER);
    expect(context.userBlocked).toBe(true);
    expect(context.filter.entries).toEqual(['gore']);
    expect(context.policy.guildId).toBe(GUILD);
  });
});

describe.each(TEST_DATABASES)('AuditLog (%s)', (kind) => {
  const open = (): Database => openFresh(kind);

  it('returns a server’s entries newest first, limited, and never another server’s', () => {
    const db = open();
    const audit = new AuditLog(db);
    for (let i = 0; i < 5; i++) audit.record(GUILD, ADMIN, { action: 'user.block', detail: { userId: String(i), reason: null } }, 1_000 + i);
    audit.record(OTHER_GUILD, ADMIN, { action: 'user.unblock', detail: { userId: '9' } }, 2_000);
    const recent = audit.recent(GUILD, 3);
    expect(recent.map((e) => (e.action === 'user.block' ? e.detail.userId : ''))).toEqual(['4', '3', '2']);
    expect(recent[0]).toEqual({ id: 5, guildId: GUILD, actorId: ADMIN, action: 'user.block', detail: { userId: '4', reason: null }, at: 1_004 });
    expect(audit.recent(OTHER_GUILD)).toHaveLength(1);
    expect(audit.recent(GUILD, 0)).toHaveLength(1);
    expect(audit.recent(GUILD, Number.NaN)).toHaveLength(5);
  });

  it('refuses an unknown action and a missing actor', () => {
    const audit = new AuditLog(open());
    expect(() => audit.record(GUILD, ADMIN, { action: 'nope', detail: {} } as never)).toThrow(TypeError);
    expect(() => audit.record(GUILD, '', { action: 'user.unblock', detail: { userId: USER } })).toThrow(TypeError);
  });
});

describe.each(TEST_DATABASES)('audit entries in words (%s)', (kind) => {
  const open = (): Database => openFresh(kind);
  const store = (db: Database = open()) => makeStore(db);

  it('describes every kind of change in both languages', () => {
    const { policies } = store();
    const entries = [
      policies.update(GUILD, { dailyQuota: 20, dailyBudgetUsd: 5, allowedChannels: [CHANNEL], safetyNsfwMax: 4 }, ADMIN).audit,
      policies.setRoleQuota(GUILD, ROLE_VIP, 50, ADMIN),
      policies.setRoleQuota(GUILD, ROLE_VIP, null, ADMIN),
      policies.clearRoleQuota(GUILD, ROLE_VIP, ADMIN),
      policies.block(GUILD, USER, ADMIN, 'spam'),
      policies.unblock(GUILD, USER, ADMIN),
      policies.addBlockedWord(GUILD, 'gore', ADMIN),
      policies.removeBlockedWord(GUILD, 'gore', ADMIN),
      policies.addBlockedWord(GUILD, '/x+y/', ADMIN),
    ];
    const texts = entries.map((entry) => {
      if (!entry) throw new Error('expected an audit entry');
      return describeAuditEntry(entry);
    });
    expect(texts[0]?.en).toBe(
      [
        `<@${ADMIN}> changed the image policy:`,
        `• Allowed channels: all channels → <#${CHANNEL}>`,
        '• Maximum safety (age-restricted channels): 6 → 4',
        '• Daily images per user: unlimited → 20 images/day',
        '• Daily budget: no budget → $5.00',
      ].join('\n'),
    );
    expect(texts[0]?.zh).toContain('• 每日预算:无预算 → $5.00');
    expect(texts[1]?.en).toBe(`<@${ADMIN}> set the daily quota of <@&${ROLE_VIP}> to 50 images/day.`);
    expect(texts[2]?.en).toBe(`<@${ADMIN}> set the daily quota of <@&${ROLE_VIP}> to unlimited (was 50 images/day).`);
    expect(texts[3]?.zh).toContain('移除了');
    expect(texts[4]?.en).toBe(`<@${ADMIN}> blocked <@${USER}> from generating images (reason: spam).`);
    expect(texts[5]?.zh).toBe(`<@${ADMIN}> 解除了对 <@${USER}> 的禁止。`);
    expect(texts[6]?.en).toBe(`<@${ADMIN}> added a blocked word: \`gore\``);
    expect(texts[7]?.en).toBe(`<@${ADMIN}> removed a blocked word: \`gore\``);
    expect(texts[8]?.zh).toBe(`<@${ADMIN}> 添加了屏蔽正则:\`/x+y/\``);
    expect(describeBlockedPrompt(USER, 'gore', CHANNEL).en).toBe(
      `🚫 Refused a prompt by <@${USER}> in <#${CHANNEL}>: it matched the blocked entry \`gore\`.`,
    );
  });
});
