// Each server's compiled word filter, kept while its entries stay the same. Compiling a list is the
// expensive part (one regex per entry); reading it is cheap, and skipped altogether while no word
// list can have changed.
import { compileWordFilter, type WordFilter } from '../moderation/wordFilter.js';
import type { ChangeMark, PolicyStore } from '../storage/policyStore.js';

interface CachedFilter {
  /** The entries it was compiled from, joined: a re-read with the same entries keeps the filter. */
  key: string;
  filter: WordFilter;
  /** Where the database stood when the entries were last read. */
  mark: ChangeMark;
}

export class WordFilterCache {
  private readonly filters = new Map<string, CachedFilter>();

  constructor(private readonly store: Pick<PolicyStore, 'changeMark' | 'wordEntries'>) {}

  /**
   * The server's filter; recompiled only when its entries changed (by any process). While nothing
   * was committed by another connection (PRAGMA data_version) and no word was edited through this
   * one (whichever store edited it), no row is read; otherwise the entries are read again and the
   * filter is kept when they are the same.
   */
  get(guildId: string): WordFilter {
    const mark = this.store.changeMark();
    const cached = this.filters.get(guildId);
    if (cached && cached.mark.dataVersion === mark.dataVersion && cached.mark.wordEdits === mark.wordEdits) {
      return cached.filter;
    }
    const entries = this.store.wordEntries(guildId);
    const key = entries.join('\n');
    const filter = cached && cached.key === key ? cached.filter : compileWordFilter(entries);
    this.filters.set(guildId, { key, filter, mark });
    return filter;
  }
}
