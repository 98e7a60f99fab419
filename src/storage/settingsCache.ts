// The process's copy of the settings every request reads — servers' policies, role quotas, blocked
// users and word lists, members' defaults and shortcuts, servers' prompt settings and styles — kept
// by the stores that own those reads and checked with ONE read of settings_version (migration 12,
// schema/settingsVersion.ts) per request, instead of one read per table. On PostgreSQL each
// statement is a round trip that holds the event loop: a request read eight settings before its
// reservation, and in a burst every deferral waited for all those before it.
//
// Why a cached value is never older than the database says:
// - settings_version is bumped by a trigger in the same transaction as every change to those tables,
//   by any process or by hand, so a reader sees either the old number with the old rows or the new
//   number with the new rows (SQLite and PostgreSQL both make a commit visible all at once).
// - A value is read AFTER the number it is filed under (SettingsVersion.current first, then the
//   rows): it is at least as new as that number. It may be newer (a change committed in between),
//   which is harmless: the number it is filed under is then already old, and the next request reads
//   the moved number and reads the rows again.
// - Inside a transaction nothing is cached or served from the cache: a read-modify-write (an
//   admin's change, a member's /settings) reads the rows themselves under the write lock, and rows
//   it has not committed yet are never filed under any number.
//
// One read per request: the number read is trusted until the running JavaScript yields (a microtask
// forgets it). A request's reads before its deferral run in one synchronous stretch (options,
// defaults, shortcuts, policy, word list, block, role quotas, then the ledger), so they share one
// read; the next request, or the same one after an await, reads the number again. A change written
// through this handle forgets it at once (`changed`, called by the stores' writes), so a process
// always sees its own changes; another process's change is seen at this process's next request —
// as if that request had come a moment earlier, before the change committed.
//
// Bounded: each cache keeps its most recently used entries up to a limit (entries filed under an
// old number are simply never served again, and age out).
import type { Database, Statement } from './handle.js';

/** Entries one cache keeps by default: a few thousand servers or members, each a few hundred bytes. */
const SETTINGS_CACHE_LIMIT = 4_096;

const versions = new WeakMap<Database, SettingsVersion>();

/** settings_version as this handle last read it; one per handle, shared by every store on it. */
export class SettingsVersion {
  private trusted: number | undefined;
  private select: Statement<[], number> | undefined;
  /** Reads of the counter so far (tests count them). */
  reads = 0;

  private constructor(private readonly db: Database) {}

  static of(db: Database): SettingsVersion {
    let version = versions.get(db);
    if (!version) {
      version = new SettingsVersion(db);
      versions.set(db, version);
    }
    return version;
  }

  /** The counter, read at most once per synchronous stretch of JavaScript (see the top of this file). */
  current(): number {
    if (this.trusted === undefined) {
      // Prepared on first use: a store may be built over a database still short of migration 12
      // (the migration tests do), and SQLite checks a statement's tables when it is prepared.
      this.select ??= this.db.prepare<[], number>('SELECT version FROM settings_version WHERE id = 1').pluck();
      this.trusted = this.select.get() ?? 0;
      this.reads++;
      queueMicrotask(() => {
        this.trusted = undefined;
      });
    }
    return this.trusted;
  }

  /** A store on this handle wrote a setting: its trigger moved the counter, so read it again. */
  changed(): void {
    this.trusted = undefined;
  }
}

interface Entry<V> {
  version: number;
  value: V;
}

/** One kind of setting, by key (a server, a member, a server and member), filed under the counter. */
export class SettingsCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly version: SettingsVersion;
  /** Reads answered from memory / from the database (tests count them). */
  hits = 0;
  misses = 0;

  constructor(
    private readonly db: Database,
    private readonly limit: number = SETTINGS_CACHE_LIMIT,
  ) {
    this.version = SettingsVersion.of(db);
  }

  /**
   * The value of `key`: from memory while the counter has not moved since it was read, else from
   * `load`, which reads the rows (it is given the value it replaces, filed under an older number,
   * so that it can keep what did not change). In a transaction, always `load`, and nothing kept.
   */
  read(key: string, load: (previous: V | undefined) => V): V {
    const entry = this.entries.get(key);
    if (this.db.inTransaction) return load(entry?.value);
    const version = this.version.current();
    if (entry) this.entries.delete(key); // re-inserted below: the Map's order is the recency order
    if (entry?.version === version) {
      this.hits++;
      this.entries.set(key, entry);
      return entry.value;
    }
    this.misses++;
    const value = load(entry?.value);
    this.entries.set(key, { version, value });
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }
}

/**
 * `value`, frozen all the way down: a cached value is shared by every request that reads it, so a
 * caller that changed it would change it for all of them (it throws instead, in strict mode).
 */
export function frozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) frozen(inner);
    Object.freeze(value);
  }
  return value;
}
