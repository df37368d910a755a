import { useCallback, useEffect, useId, useState } from 'react';
import type { Room } from '../../../protocol/schemas.js';
import { copyText } from '../../lib/clipboard.js';
import { useEscape } from '../../lib/useEscape.js';

function roomLink(roomId: string): string {
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

/** The join code, a "Copy link" button and the QR code of the room link. */
export function ShareControls({ room }: { room: Room }) {
  const [showQr, setShowQr] = useState(false);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const qrId = useId();
  const link = roomLink(room.id);
  const hideQr = useCallback(() => setShowQr(false), []);
  useEscape(showQr, hideQr);

  useEffect(() => {
    if (copied === null) return;
    const timer = setTimeout(() => setCopied(null), 2_500);
    return () => clearTimeout(timer);
  }, [copied]);

  const copy = async () => setCopied((await copyText(link)) ? 'yes' : 'no');

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
          {copied === 'yes' && 'Link copied'}
          {copied === 'no' && 'Could not copy; select the link instead'}
        </span>
      </div>
      <div id={qrId} className="qr-panel" hidden={!showQr}>
        {showQr && (
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
          </>
        )}
      </div>
    </div>
  );
}
