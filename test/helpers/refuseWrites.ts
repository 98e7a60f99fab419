// A trigger that makes one kind of write to a table fail with `message`, in either dialect: how the
// storage tests make a write fail mid-transaction (a full disk, a broken audit log) and prove the
// transaction leaves nothing behind. `on` is the trigger's event and table, e.g.
// `INSERT ON audit_log` or `UPDATE OF state ON jobs`; `message` must not contain a quote.
import { dialectOf, type Database } from '../../src/storage/index.js';

export function refuseWrites(db: Database, name: string, on: string, message: string): void {
  if (dialectOf(db) === 'sqlite') {
    db.exec(`CREATE TRIGGER ${name} BEFORE ${on} BEGIN SELECT RAISE(ABORT, '${message}'); END`);
    return;
  }
  db.exec(`
    CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '${message}'; END $$;
    CREATE TRIGGER ${name} BEFORE ${on} FOR EACH ROW EXECUTE FUNCTION ${name}();`);
}
