import { useCallback, useEffect, useId, useState } from 'react';
import type { Room } from '../../../protocol/schemas.js';
import { copyText } from '../../lib/clipboard.js';
import { useEscape } from '../../lib/useEscape.js';

export function roomLink(roomId: string): string {
  return `${window.location.origin}/r/${encodeURIComponent(roomId)}`;
}

/** Draws the room link as a QR code; the library loads only when someone asks for the code. */
function QrCode({ text }: { text: string }) {
  const [dataUrl, setDataUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let current = true;
    import('qrcode')
      .then((qrcode) =>
        // Dark on light whatever the theme: that is what camera apps read best.
        qrcode.toDataURL(text, { margin: 2, width: 240, errorCorrectionLevel: 'M' }),
      )
      .then(
        (url) => current && setDataUrl(url),
        () => current && setFailed(true),
      );
    return () => {
      current = false;
    };
  }, [text]);
  if (failed) return <p>The QR code could not be drawn; share the link instead.</p>;
  if (!dataUrl) return <p className="qr-placeholder">Drawing the QR code…</p>;
  return (
    <img className="qr" src={dataUrl} width={240} height={240} alt="QR code of the room link" />
  );
}

/**
 * The popover with the QR code of the room link, its join code and the link itself. `onClose`
 * adds a "Close" button, for where no toggle sits beside it (the phone's room menu).
 */
export function QrPanel({
  id,
  room,
  shown,
  onClose,
}: {
  id: string;
  room: Room;
  shown: boolean;
  onClose?: () => void;
}) {
  const link = roomLink(room.id);
  return (
    <div id={id} className="qr-panel" hidden={!shown}>
      {shown && (
        <>
          <QrCode text={link} />
          <p className="qr-code-line">
            <span className="qr-code-label">Code</span>{' '}
            <span className="join-code">{room.joinCode}</span>
          </p>
          <p className="qr-caption">
            Scan to join, enter the code on {window.location.host}, or share{' '}
            <a href={link} className="room-link">
              {link}
            </a>
          </p>
          {onClose && (
            <button type="button" className="small qr-close" onClick={onClose}>
              Close
            </button>
          )}
        </>
      )}
    </div>
  );
}

/**
 * Copying the room link, and what to say about it for a moment afterwards (shown in a
 * `role="status"` element that stays mounted, so screen readers announce it).
 */
export function useCopyLink(roomId: string): { copy: () => Promise<void>; status: string } {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  useEffect(() => {
    if (copied === null) return;
    const timer = setTimeout(() => setCopied(null), 2_500);
    return () => clearTimeout(timer);
  }, [copied]);
  const copy = useCallback(async () => {
    setCopied((await copyText(roomLink(roomId))) ? 'yes' : 'no');
  }, [roomId]);
  const status =
    copied === 'yes'
      ? 'Link copied'
      : copied === 'no'
        ? 'Could not copy; select the link instead'
        : '';
  return { copy, status };
}

/** The join code, a "Copy link" button and the QR code of the room link (wide screens). */
export function ShareControls({ room }: { room: Room }) {
  const [showQr, setShowQr] = useState(false);
  const qrId = useId();
  const hideQr = useCallback(() => setShowQr(false), []);
  useEscape(showQr, hideQr);
  const { copy, status } = useCopyLink(room.id);

  return (
    <div className="share">
      <p className="code-line">
        <span className="code-label">Code</span>{' '}
        <span className="join-code" data-testid="join-code">
          {room.joinCode}
        </span>
      </p>
      <div className="share-actions">
        <button type="button" className="small" onClick={() => void copy()}>
          Copy link
        </button>
        <button
          type="button"
          className="small"
          aria-expanded={showQr}
          aria-controls={qrId}
          onClick={() => setShowQr((shown) => !shown)}
        >
          {showQr ? 'Hide QR code' : 'Show QR code'}
        </button>
        <span className="copy-status" role="status">
          {status}
        </span>
      </div>
      <QrPanel id={qrId} room={room} shown={showQr} />
    </div>
  );
}
