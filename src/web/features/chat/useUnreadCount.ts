import { useEffect, useState } from 'react';
import type { Message } from '../../../protocol/schemas.js';

/** Messages from others that arrived after `seenSeq` (system lines do not count). */
export function unreadAfter(messages: readonly Message[], seenSeq: number, me: string): number {
  let count = 0;
  for (let i = messages.length - 1; i >= 0 && messages[i]!.seq > seenSeq; i--) {
    const message = messages[i]!;
    if (message.type !== 'system' && message.sender?.id !== me) count++;
  }
  return count;
}

/**
 * How many messages from others arrived while the tab was hidden; back to 0 when it is shown.
 * The room's title carries it (`(3) Standup · Roomkit`), as every chat tab does.
 */
export function useUnreadCount(messages: readonly Message[], me: string): number {
  const newest = messages.at(-1)?.seq ?? 0;
  const [seenSeq, setSeenSeq] = useState(newest);
  const [hidden, setHidden] = useState(() => document.visibilityState === 'hidden');

  useEffect(() => {
    const onChange = () => setHidden(document.visibilityState === 'hidden');
    document.addEventListener('visibilitychange', onChange);
    return () => document.removeEventListener('visibilitychange', onChange);
  }, []);
  // While the tab is shown, everything is seen (state adjusted while rendering, not in an effect).
  if (!hidden && seenSeq !== newest) setSeenSeq(newest);

  return hidden ? unreadAfter(messages, seenSeq, me) : 0;
}
