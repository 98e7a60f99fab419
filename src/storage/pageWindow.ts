// Paged lists (/gallery top, /history): a requested page is clamped into the pages that exist, so
// a Next button pressed after the list shrank (an image deleted meanwhile) shows the last page
// rather than an empty one.

export interface PageWindow {
  /** 1-based, within 1..pages. */
  page: number;
  /** At least 1, even for an empty list. */
  pages: number;
  offset: number;
  limit: number;
}

export function pageWindow(total: number, requestedPage: number, pageSize: number): PageWindow {
  const limit = Math.max(1, Math.floor(pageSize));
  const pages = Math.max(1, Math.ceil(total / limit));
  const wanted = Number.isFinite(requestedPage) ? Math.floor(requestedPage) : 1;
  const page = Math.min(pages, Math.max(1, wanted));
  return { page, pages, offset: (page - 1) * limit, limit };
}

export interface Page<T> {
  entries: T[];
  total: number;
  page: number;
  pages: number;
}
