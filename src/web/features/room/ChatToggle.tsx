import { useCallback, useState } from 'react';
import type { Message } from '../../../protocol/schemas.js';
import { unreadAfter } from '../chat/useUnreadCount.js';

export interface SideChat {
  /** The person hid the chat beside the code. */
  hidden: boolean;
  /** Messages from others that arrived while it was hidden. */
  unread: number;
  toggle: () => void;
}

/**
 * The chat beside the code on wide screens, which a person can hide to give the code the
 * width. `beside` says whether the code is shown with the chat beside it now; while it is not,
 * the chat is on screen and everything in it counts as seen.
 */
export function useSideChat(messages: readonly Message[], me: string, beside: boolean): SideChat {
  const [hidden, setHidden] = useState(false);
  const newest = messages.at(-1)?.seq ?? 0;
  const [seenSeq, setSeenSeq] = useState(newest);
  const outOfSight = hidden && beside;
  // Adjusted while rendering, not in an effect: what is on screen is seen.
  if (!outOfSight && seenSeq !== newest) setSeenSeq(newest);
  const toggle = useCallback(() => setHidden((was) => !was), []);
  return { hidden, unread: outOfSight ? unreadAfter(messages, seenSeq, me) : 0, toggle };
}

/** "Hide chat" / "Show chat" beside the code, with how many messages came while it was hidden. */
export function ChatToggle({ chat, controls }: { chat: SideChat; controls: string }) {
  return (
    <button
      type="button"
      className="small quiet chat-toggle"
      aria-expanded={!chat.hidden}
      aria-controls={controls}
      onClick={chat.toggle}
    >
      {chat.hidden ? 'Show chat' : 'Hide chat'}
      {chat.unread > 0 && (
        <span className="count">
          {chat.unread}
          <span className="visually-hidden"> unread</span>
        </span>
      )}
    </button>
  );
}
