// The leak search every test world runs on close must itself be able to fail: a key (or its secret
// part after a redaction that kept the tail) in a log line, a request to Discord or the database.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DiscordFake } from '../fakes/discord/index.js';
import { keyLeaks } from '../helpers/world.js';

const KEY = ['sk', 'canary0123456789abcdef0123456789abcdef'].join('-');

function place(requests: unknown[] = [], db = ''): { discord: DiscordFake; dbPath: string } {
  const dbPath = join(mkdtempSync(join(tmpdir(), 'leaks-')), 'bot.sqlite');
  writeFileSync(dbPath, db);
  return { discord: { requests } as unknown as DiscordFake, dbPath };
}

describe('keyLeaks', () => {
  it('finds nothing where there is nothing', () => {
    expect(keyLeaks(place([{ payload: { content: 'an image' } }], 'usage rows'), KEY, ['{"msg":"ok"}'])).toEqual([]);
  });

  it('finds the key in a log line, a message sent to Discord, and the database file', () => {
    expect(keyLeaks(place(), KEY, [`{"msg":"relay said ${KEY}"}`])).toEqual(['bot logs']);
    expect(keyLeaks(place([{ payload: { content: `oops ${KEY}` } }]), KEY, [])).toEqual(['requests to Discord']);
    expect(keyLeaks(place([], `row|${KEY}|`), KEY, [])).toEqual(['database']);
  });

  it('finds the secret part without its sk- prefix', () => {
    expect(keyLeaks(place(), KEY, [`Bearer ${KEY.slice(3)}`])).toEqual(['bot logs']);
  });
});
