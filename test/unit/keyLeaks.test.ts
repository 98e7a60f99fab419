// The leak search every test world runs on close must itself be able to fail: a key (or its secret
// part after a redaction that kept the tail) in a log or stdout line, a request to Discord, a
// message on Discord, a usage row or any of the SQLite files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DiscordFake, FakeMessage, InteractionHandle } from '../fakes/discord/index.js';
import { keyHaystacks, keyLeaks, type KeyPlaces } from '../helpers/world.js';

const KEY = ['sk', 'canary0123456789abcdef0123456789abcdef'].join('-');
const DEFAULT_USER = '100000000000000001';
const NSFW_CHANNEL = '200000000000000002';

interface Contents {
  requests?: unknown[];
  /** The database file's bytes, and optionally its -wal and -shm files'. */
  db?: string;
  wal?: string;
  shm?: string;
  rows?: Array<Record<string, unknown>>;
  channel?: unknown[];
  nsfw?: unknown[];
  dms?: Record<string, unknown[]>;
}

function place(contents: Contents = {}): KeyPlaces {
  const dbPath = join(mkdtempSync(join(tmpdir(), 'leaks-')), 'bot.sqlite');
  writeFileSync(dbPath, contents.db ?? '');
  if (contents.wal !== undefined) writeFileSync(`${dbPath}-wal`, contents.wal);
  if (contents.shm !== undefined) writeFileSync(`${dbPath}-shm`, contents.shm);
  const discord = {
    requests: contents.requests ?? [],
    defaultUser: { id: DEFAULT_USER, username: 'tester' },
    nsfwChannelId: NSFW_CHANNEL,
    channelMessages: (channelId?: string) => (channelId === NSFW_CHANNEL ? contents.nsfw : contents.channel) ?? [],
    dmMessages: (userId: string) => contents.dms?.[userId] ?? [],
  };
  return { discord: discord as unknown as DiscordFake, dbPath, usageRows: () => contents.rows ?? [] };
}

function handle(userId: string, original: Partial<FakeMessage>): InteractionHandle {
  return { user: { id: userId, username: 'someone' }, original: () => original, followups: () => [], callbacks: [] } as unknown as InteractionHandle;
}

describe('keyLeaks', () => {
  it('finds nothing where there is nothing', () => {
    const world = place({ requests: [{ payload: { content: 'an image' } }], db: 'usage rows', rows: [{ prompt: 'a fox' }], channel: [{ content: 'hi' }] });
    expect(keyLeaks(world, KEY, { logs: ['{"msg":"ok"}'], stdout: ['ok'] })).toEqual([]);
  });

  it('finds the key in a log line, a message sent to Discord, and the database file', () => {
    expect(keyLeaks(place(), KEY, { logs: [`{"msg":"relay said ${KEY}"}`] })).toEqual(['bot logs']);
    expect(keyLeaks(place({ requests: [{ payload: { content: `oops ${KEY}` } }] }), KEY, { logs: [] })).toEqual(['requests to Discord']);
    expect(keyLeaks(place({ db: `row|${KEY}|` }), KEY, { logs: [] })).toEqual(['database']);
  });

  it('finds it on stdout, in the -wal and -shm files, the usage rows and the messages on Discord', () => {
    expect(keyLeaks(place(), KEY, { logs: [], stdout: [`printed ${KEY}`] })).toEqual(['bot stdout']);
    expect(keyLeaks(place({ wal: `frame ${KEY}` }), KEY, { logs: [] })).toEqual(['database-wal']);
    expect(keyLeaks(place({ shm: `index ${KEY}` }), KEY, { logs: [] })).toEqual(['database-shm']);
    expect(keyLeaks(place({ rows: [{ error_message: KEY }] }), KEY, { logs: [] })).toEqual(['usage rows']);
    expect(keyLeaks(place({ channel: [{ content: KEY }] }), KEY, { logs: [] })).toEqual(['Discord messages']);
    expect(keyLeaks(place({ nsfw: [{ content: KEY }] }), KEY, { logs: [] })).toEqual(['Discord messages']);
    expect(keyLeaks(place({ dms: { [DEFAULT_USER]: [{ content: KEY }] } }), KEY, { logs: [] })).toEqual(['Discord messages']);
    // Another user's DMs and an interaction's reply: searched when the interaction is handed over.
    const other = '300000000000000003';
    const world = place({ dms: { [other]: [{ content: KEY }] } });
    expect(keyLeaks(world, KEY, { logs: [] })).toEqual([]);
    expect(keyLeaks(world, KEY, { logs: [], handles: [handle(other, { content: 'fine' })] })).toEqual(['Discord messages']);
    expect(keyLeaks(place(), KEY, { logs: [], handles: [handle(DEFAULT_USER, { content: `reply ${KEY}` })] })).toEqual(['Discord messages']);
  });

  it('finds the secret part without its sk- prefix, and its long pieces alone', () => {
    expect(keyLeaks(place(), KEY, { logs: [`Bearer ${KEY.slice(3)}`] })).toEqual(['bot logs']);
    const dashed = ['sk', 'LEAKCHECK', '0123456789abcdef01234567'].join('-');
    expect(keyLeaks(place(), dashed, { logs: ['kept the tail: 0123456789abcdef01234567'] })).toEqual(['bot logs']);
  });

  it('names every place it searched', () => {
    const places = keyHaystacks(place({ wal: '', shm: '' }), { logs: [] }).map(([where]) => where);
    expect(places).toEqual(['bot logs', 'bot stdout', 'requests to Discord', 'Discord messages', 'database', 'database-wal', 'database-shm', 'usage rows']);
  });
});
