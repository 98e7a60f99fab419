// Migration 8 and the usage log's image-input columns: every attempt says whether it was an edit and
// how many input pictures it had; rows from before the migration read as plain generations.
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate, UsageLog, UsageReports } from '../../src/storage/index.js';
import type { Database, UsageAttempt } from '../../src/storage/index.js';
import { openTestDatabase, TEST_DATABASES, type DatabaseKind } from '../helpers/databases.js';

const handles: Database[] = [];

afterEach(() => {
  for (const db of handles.splice(0)) if (db.open) db.close();
});

function openFresh(kind: DatabaseKind, version?: number): Database {
  const db = openTestDatabase(kind, version === undefined ? {} : { version });
  handles.push(db);
  return db;
}

const GUILD = '987654321098765432';

function attempt(overrides: Partial<UsageAttempt> = {}): UsageAttempt {
  return { source: 'discord', userId: '1234567890123456789', guildId: GUILD, model: 'flux-kontext-pro', prompt: 'a cat', ...overrides };
}

describe.each(TEST_DATABASES)('usage: is_edit and input_count (migration 8) (%s)', (kind) => {
  const open = (): Database => openFresh(kind);

  it('is the eighth migration', () => {
    expect(MIGRATIONS[7]).toMatch(/ALTER TABLE usage ADD COLUMN is_edit[\s\S]*ADD COLUMN input_count/);
  });

  it('records an edit with its input count, and a plain generation as 0 / false', () => {
    const db = open();
    const usage = new UsageLog(db);
    const edit = usage.start(attempt({ interactionId: '1', inputCount: 2 }));
    const plain = usage.start(attempt({ interactionId: '2' }));
    expect(usage.get(edit.id)).toMatchObject({ isEdit: true, inputCount: 2 });
    expect(usage.get(plain.id)).toMatchObject({ isEdit: false, inputCount: 0 });
    const rows = [...new UsageReports(db).guildRows({ guildId: GUILD })];
    expect(rows.map((row) => [row.isEdit, row.inputCount])).toEqual([
      [true, 2],
      [false, 0],
    ]);
    expect(() => usage.start(attempt({ interactionId: '3', inputCount: -1 }))).toThrow(TypeError);
  });

  it('rows written before the migration read as plain generations', () => {
    const db = openFresh(kind, 7);
    db.prepare("INSERT INTO usage (source, user_id, model, prompt, started_at) VALUES ('cli', 'u', 'flux-2-pro', 'old', 1)").run();
    migrate(db);
    expect(db.prepare('SELECT is_edit, input_count FROM usage').get()).toEqual({ is_edit: 0, input_count: 0 });
  });
});
