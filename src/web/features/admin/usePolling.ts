import { useEffect, useRef } from 'react';
import { usePageVisible } from './usePageVisible.js';

/**
 * Calls `poll` now and then `intervalMs` after each call settles, while the tab is visible: a
 * slow server gets one request at a time, never a pile, and a hidden tab asks for nothing. Coming
 * back into view polls at once. `poll` may change between renders; the latest one is called.
 * Polling stops while `subject` is null, and starts over at once when it changes (another room).
 */
export function usePolling(
  poll: (signal: AbortSignal) => Promise<void>,
  intervalMs: number,
  subject: string | null = '',
): void {
  const visible = usePageVisible();
  const latest = useRef(poll);
  useEffect(() => {
    latest.current = poll;
  });

  useEffect(() => {
    if (!visible || subject === null) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        await latest.current(controller.signal);
      } catch {
        // The caller shows its own failures; polling goes on.
      }
      if (!controller.signal.aborted) timer = setTimeout(() => void tick(), intervalMs);
    };
    void tick();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [visible, subject, intervalMs]);
}
