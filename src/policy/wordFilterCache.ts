// Each server's compiled word filter, kept while its entries stay the same. Compiling a list is the
// expensive part (one regex per entry); reading it is cheap, and skipped altogether while the
// settings counter has not moved (storage/settingsCache.ts: one read per request for every setting,
// correct across processes because any change to a word list moves it in the same transaction).
import { compileWordFilter, type WordFilter } from '../moderation/wordFilter.js';
import type { Database } from '../storage/database.js';
import type { PolicyStore } from '../storage/policyStore.js';
import { SettingsCache } from '../storage/settingsCache.js';

/**
 * Servers whose filter is kept: the heavy entries of the settings caches (up to MAX_BLOCKED_WORDS
 * compiled regexes each), so fewer than the others keep.
 */
const FILTERS_KEPT = 512;

interface CachedFilter {
  /** The entries it was compiled from, joined: a re-read with the same entries keeps the filter. */
  key: string;
  filter: WordFilter;
}

export class WordFilterCache {
  private readonly filters: SettingsCache<CachedFilter>;

  constructor(
    db: Database,
    private readonly store: Pick<PolicyStore, 'wordEntries'>,
  ) {
    this.filters = new SettingsCache(db, FILTERS_KEPT);
  }

  /**
   * The server's filter. While no setting changed (in any process), no row is read; otherwise the
   * entries are read again, and the compiled filter is kept when they are the same (another
   * server's list, or another setting, changed).
   */
  get(guildId: string): WordFilter {
    return this.filters.read(guildId, (previous) => {
      const entries = this.store.wordEntries(guildId);
      const key = entries.join('\n');
      return previous?.key === key ? previous : { key, filter: compileWordFilter(entries) };
    }).filter;
  }
}
