import { useCallback, useState } from 'react';

/**
 * Where the admin is in a server-paged list. The server pages forward only ($skiptoken), so the
 * tokens of the pages seen so far are kept: Previous reopens a page by its token.
 */
export interface PageTokens {
  /** 0 on the first page. */
  pageIndex: number;
  /** The token that opens the current page; undefined on the first. */
  pageToken: string | undefined;
  /** The current page as list query parameters: its $skiptoken, none on the first page. */
  pageQuery: { skiptoken?: string };
  previous: () => void;
  /** Opens the page after this one, by the token the server gave for it. */
  next: (skiptoken: string) => void;
  /** Back to the first page (a new search, filter or change). */
  restart: () => void;
}

const FIRST_PAGE = { tokens: [undefined], index: 0 };

export function usePageTokens(): PageTokens {
  const [pages, setPages] = useState<{ tokens: (string | undefined)[]; index: number }>(FIRST_PAGE);
  const previous = useCallback(() => setPages((current) => ({ ...current, index: Math.max(0, current.index - 1) })), []);
  const next = useCallback((skiptoken: string) => setPages((current) => ({ tokens: [...current.tokens.slice(0, current.index + 1), skiptoken], index: current.index + 1 })), []);
  const restart = useCallback(() => setPages(FIRST_PAGE), []);
  const pageToken = pages.tokens[pages.index];
  return { pageIndex: pages.index, pageToken, pageQuery: pageToken === undefined ? {} : { skiptoken: pageToken }, previous, next, restart };
}
