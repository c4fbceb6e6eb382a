import { useSyncExternalStore, type MouseEvent } from 'react';

/**
 * A small client-side router over the History API: the admin center has a handful of fixed
 * paths, and the server answers every non-API path with index.html so deep links load.
 */
const NAVIGATE_EVENT = 'allot:navigate';

const subscribe = (onChange: () => void) => {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
};

export const usePathname = (): string => useSyncExternalStore(subscribe, () => window.location.pathname);

export function navigate(path: string): void {
  if (path !== window.location.pathname) {
    window.history.pushState(null, '', path);
    window.dispatchEvent(new Event(NAVIGATE_EVENT));
  }
}

/** onClick for links with an href: plain clicks route in the page, modified clicks (new tab) stay the browser's. */
export function followLink(event: MouseEvent<HTMLElement>, path: string): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return;
  }
  event.preventDefault();
  navigate(path);
}
