import { useCallback, useEffect, useId, useRef, useState } from 'react';
import type { Room } from '../../../protocol/schemas.js';
import { useEscape } from '../../lib/useEscape.js';
import { NotifyToggle } from './NotifyToggle.js';
import { QrPanel, useCopyLink } from './ShareControls.js';
import type { MessageAlerts } from './useMessageAlerts.js';

/**
 * The phone's header menu: a disclosure (button "Room menu") over a list of plain buttons, so
 * each keeps the name it has on a desktop ("Copy link", "Members", "Leave"). It holds the join
 * code, the code view, the link, the QR code, the members, alerts, the account and leaving (while
 * the room is still connecting, only the last four). It closes on Escape, on a click outside and after a
 * choice, and gives focus back to its button; ticking "Notify me" keeps it open, so that what the
 * browser answered can be read there.
 */
export function RoomMenu({
  room,
  memberCount,
  membersId,
  membersOpen,
  alerts,
  onCode,
  onMembers,
  onAccount,
  onLeave,
}: {
  room: Room | null;
  memberCount: number;
  membersId: string;
  membersOpen: boolean;
  alerts: MessageAlerts;
  onCode: () => void;
  onMembers: () => void;
  onAccount: () => void;
  onLeave: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [showQr, setShowQr] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const container = useRef<HTMLDivElement>(null);
  const listId = useId();
  const qrId = useId();
  const { copy, status } = useCopyLink(room?.id ?? '');

  const close = useCallback(() => {
    setOpen(false);
    toggle.current?.focus();
  }, []);
  const hideQr = useCallback(() => {
    setShowQr(false);
    toggle.current?.focus();
  }, []);
  useEscape(open, close);
  useEscape(showQr, hideQr);

  // A tap anywhere else closes the menu (and leaves focus where that tap put it).
  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent) => {
      if (!container.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  /** A choice closes the menu first, so a dialog it opens gives focus back to the menu button. */
  const choose = (action: () => void) => () => {
    close();
    action();
  };

  return (
    <div className="room-menu" ref={container}>
      <button
        ref={toggle}
        type="button"
        className="small quiet room-menu-button"
        aria-expanded={open}
        aria-controls={listId}
        onClick={() => {
          setOpen((shown) => !shown);
          setShowQr(false);
        }}
      >
        <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
          <circle cx="12" cy="5" r="2" fill="currentColor" />
          <circle cx="12" cy="12" r="2" fill="currentColor" />
          <circle cx="12" cy="19" r="2" fill="currentColor" />
        </svg>
        <span className="visually-hidden">Room menu</span>
      </button>
      <span className="copy-status" role="status">
        {status}
      </span>
      <div id={listId} className="room-menu-list" hidden={!open}>
        {room && (
          <p className="code-line">
            <span className="menu-code-label">Join code</span>{' '}
            <span className="join-code" data-testid="join-code">
              {room.joinCode}
            </span>
          </p>
        )}
        <ul>
          {room && (
            <>
              <li>
                <button type="button" onClick={choose(onCode)}>
                  Code editor
                </button>
              </li>
              <li>
                <button type="button" onClick={choose(() => void copy())}>
                  Copy link
                </button>
              </li>
              <li>
                <button type="button" onClick={choose(() => setShowQr(true))}>
                  Show QR code
                </button>
              </li>
            </>
          )}
          <li>
            <button
              type="button"
              aria-controls={membersId}
              aria-expanded={membersOpen}
              onClick={choose(onMembers)}
            >
              Members <span className="count">{memberCount}</span>
            </button>
          </li>
          <li>
            <NotifyToggle alerts={alerts} />
          </li>
          <li>
            <button type="button" onClick={choose(onAccount)}>
              Account
            </button>
          </li>
          <li>
            <button type="button" onClick={choose(onLeave)}>
              Leave
            </button>
          </li>
        </ul>
      </div>
      {room && <QrPanel id={qrId} room={room} shown={showQr} onClose={hideQr} />}
    </div>
  );
}
