// Paged listings, whatever the service calls its pages (offset + has_next, page numbers, a `next`
// cursor): the connector says how to fetch one page from a token; this walks them, bounded.

export interface Page<Item, Token> {
  items: Item[];
  /** Where the next page starts; null/undefined at the end. */
  next?: Token | null;
}

export interface PagingOptions {
  /** At most this many requests per walk; what is left is reported as `next`. */
  maxPages: number;
  signal?: AbortSignal;
}

export interface Walk<Item, Token> {
  items: Item[];
  /** Non-null when `maxPages` ran out before the end: continue from here next time. */
  next: Token | null;
  pages: number;
}

/** Fetches pages from `first` until one names no next page, or `maxPages` is reached. */
export async function collectPages<Item, Token>(first: Token, fetchPage: (token: Token) => Promise<Page<Item, Token>>, opts: PagingOptions): Promise<Walk<Item, Token>> {
  const items: Item[] = [];
  let token: Token | null = first;
  let pages = 0;
  while (token !== null && pages < opts.maxPages) {
    opts.signal?.throwIfAborted();
    const page: Page<Item, Token> = await fetchPage(token);
    pages++;
    items.push(...page.items);
    token = page.next ?? null;
    if (page.items.length === 0) token = null;
  }
  return { items, next: token, pages };
}

/** Offset paging: the next offset after a page of `count` items, or null when the service says there is no more. */
export function nextOffset(offset: number, count: number, hasNext: boolean): number | null {
  return hasNext && count > 0 ? offset + count : null;
}
