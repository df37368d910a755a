import { useCallback, useSyncExternalStore } from 'react';

/** Whether a CSS media query matches now; re-renders when that changes (a rotated phone). */
export function useMediaQuery(query: string): boolean {
  const subscribe = useCallback(
    (onChange: () => void) => {
      const list = window.matchMedia(query);
      list.addEventListener('change', onChange);
      return () => list.removeEventListener('change', onChange);
    },
    [query],
  );
  return useSyncExternalStore(subscribe, () => window.matchMedia(query).matches);
}

/** The width below which the room stacks its panels (the same line as room.css). */
export const NARROW_QUERY = '(max-width: 720px)';

/**
 * A mouse or trackpad that can hover: a computer with a keyboard. Where it does not match (phones,
 * tablets), focusing a text box on load would pop the on-screen keyboard over the page.
 */
export const KEYBOARD_QUERY = '(hover: hover) and (pointer: fine)';

const DARK_QUERY = '(prefers-color-scheme: dark)';

function subscribeToTheme(onChange: () => void): () => void {
  const list = window.matchMedia(DARK_QUERY);
  list.addEventListener('change', onChange);
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  return () => {
    list.removeEventListener('change', onChange);
    observer.disconnect();
  };
}

function isDark(): boolean {
  const chosen = document.documentElement.dataset.theme;
  if (chosen === 'dark' || chosen === 'light') return chosen === 'dark';
  return window.matchMedia(DARK_QUERY).matches;
}

/**
 * Whether the page is dark: the theme a page chose (`data-theme` on the root, as an embedded
 * room's theme sets it), else the system's setting, as styles/base.css decides.
 */
export function useDarkTheme(): boolean {
  return useSyncExternalStore(subscribeToTheme, isDark);
}
