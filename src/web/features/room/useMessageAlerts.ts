import { useCallback, useEffect, useRef, useState } from 'react';
import type { Message } from '../../../protocol/schemas.js';
import { playChime, unlockChime } from './chime.js';
import { newMessagesAlert, type NewMessagesAlert } from './notifications.js';

const SETTING_KEY = 'roomkit:notify';

/** What a person is told about alerts after turning them on, when it is not the whole thing. */
export type AlertsNote = 'sound-only' | null;

export interface MessageAlerts {
  enabled: boolean;
  /** Turning alerts on asks for the browser's permission to notify (from the click itself). */
  setEnabled: (enabled: boolean) => void;
  note: AlertsNote;
}

function readSetting(): boolean {
  try {
    return window.localStorage.getItem(SETTING_KEY) === 'on';
  } catch {
    return false;
  }
}

function writeSetting(enabled: boolean): void {
  try {
    if (enabled) window.localStorage.setItem(SETTING_KEY, 'on');
    else window.localStorage.removeItem(SETTING_KEY);
  } catch {
    // Not remembered: alerts stay on for this page only.
  }
}

const canNotify = () => typeof Notification !== 'undefined';

function show(alert: NewMessagesAlert, tag: string): void {
  if (canNotify() && Notification.permission === 'granted') {
    try {
      const notification = new Notification(alert.title, { body: alert.body, tag });
      notification.onclick = () => {
        window.focus();
        notification.close();
      };
      return;
    } catch {
      // Android's Chrome notifies only through a service worker: the chime says it instead.
    }
  }
  playChime();
}

/**
 * Off by default and remembered in localStorage: while the tab is hidden, a message from someone
 * else shows a browser notification, or plays a chime where notifications are not allowed.
 * Messages present when the room loads never alert; a burst alerts once.
 */
export function useMessageAlerts({
  roomId,
  roomName,
  messages,
  me,
}: {
  roomId: string;
  /** Null until the room's state has arrived. */
  roomName: string | null;
  messages: readonly Message[];
  me: string;
}): MessageAlerts {
  const [enabled, setEnabledState] = useState(readSetting);
  // The browser's answer when asked; a permission denied before (or without asking, in another
  // room) is read from Notification.permission as the page renders.
  const [refused, setRefused] = useState(false);
  const seenSeq = useRef<number | null>(null);

  const setEnabled = useCallback((next: boolean) => {
    setEnabledState(next);
    writeSetting(next);
    setRefused(false);
    if (!next) return;
    unlockChime();
    if (!canNotify() || Notification.permission !== 'default') return;
    void Notification.requestPermission().then(
      (answer) => setRefused(answer !== 'granted'),
      () => setRefused(true),
    );
  }, []);
  const blocked = !canNotify() || Notification.permission === 'denied';
  const note: AlertsNote = enabled && (refused || blocked) ? 'sound-only' : null;

  const newest = messages.at(-1)?.seq ?? 0;
  useEffect(() => {
    if (roomName === null) return;
    const after = seenSeq.current;
    seenSeq.current = Math.max(after ?? 0, newest);
    if (after === null || !enabled || document.visibilityState !== 'hidden') return;
    const alert = newMessagesAlert(messages, after, me, roomName);
    if (alert) show(alert, `roomkit-${roomId}`);
  }, [messages, newest, enabled, me, roomId, roomName]);

  return { enabled, setEnabled, note };
}
