import { useEffect, useId, useRef, type KeyboardEvent, type TouchEvent } from 'react';
import type { FileInfo } from '../../../protocol/schemas.js';
import { DownloadLink } from './DownloadLink.js';
import { isAnimatable, LIGHTBOX_WIDTHS, type FileLinks } from './fileLinks.js';
import { formatBytes } from './formatBytes.js';

/** A horizontal swipe at least this long (CSS px) turns the page… */
const SWIPE_PX = 50;
/** …and a downward one this long closes the lightbox. */
const SWIPE_CLOSE_PX = 110;

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : timeFormat.format(date);
}

export interface LightboxProps {
  /** The pictures one can page through, in gallery order. */
  images: readonly FileInfo[];
  currentId: string;
  links: FileLinks;
  /** Who shared a file, or null when nobody in the room knows any more. */
  uploaderOf: (file: FileInfo) => string | null;
  onNavigate: (fileId: string) => void;
  onClose: () => void;
}

/**
 * A picture full screen, in a modal <dialog> (the browser keeps focus inside and the page behind
 * inert). ← and → page through the room's pictures, Escape closes; on touch screens, swipe left
 * or right, or down to close.
 */
export function Lightbox({
  images,
  currentId,
  links,
  uploaderOf,
  onNavigate,
  onClose,
}: LightboxProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  const touchStart = useRef<{ x: number; y: number } | null>(null);
  const titleId = useId();

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (!element.open) element.showModal();
    closeButton.current?.focus();
    // Closing (rather than just removing) the dialog gives focus back to what opened it.
    return () => element.close();
  }, []);

  const index = images.findIndex((image) => image.id === currentId);
  const file = images[index];
  const previous = index > 0 ? images[index - 1] : undefined;
  const next = index >= 0 ? images[index + 1] : undefined;

  // The picture went away (the room closed, say): nothing left to show.
  useEffect(() => {
    if (!file) onClose();
  }, [file, onClose]);
  if (!file) return null;

  const go = (target: FileInfo | undefined) => {
    if (target) onNavigate(target.id);
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'ArrowLeft') {
      event.preventDefault();
      go(previous);
    } else if (event.key === 'ArrowRight') {
      event.preventDefault();
      go(next);
    }
  };

  const onTouchStart = (event: TouchEvent) => {
    const touch = event.touches[0];
    touchStart.current =
      event.touches.length === 1 && touch ? { x: touch.clientX, y: touch.clientY } : null;
  };
  const onTouchEnd = (event: TouchEvent) => {
    const start = touchStart.current;
    const touch = event.changedTouches[0];
    touchStart.current = null;
    // A pinch-zoomed page is being panned, not swiped.
    if (!start || !touch || (window.visualViewport?.scale ?? 1) > 1.01) return;
    const dx = touch.clientX - start.x;
    const dy = touch.clientY - start.y;
    if (Math.abs(dx) >= SWIPE_PX && Math.abs(dx) > Math.abs(dy) * 1.5) go(dx < 0 ? next : previous);
    else if (dy >= SWIPE_CLOSE_PX && dy > Math.abs(dx) * 1.5) onClose();
  };

  const uploader = uploaderOf(file);
  const details = [
    uploader ? `Shared by ${uploader}` : null,
    formatBytes(file.size),
    formatTime(file.createdAt),
  ].filter(Boolean);

  return (
    <dialog
      ref={dialog}
      className="lightbox"
      aria-labelledby={titleId}
      onCancel={(event) => {
        // Escape: we close by unmounting, so that the room's state stays the only truth.
        event.preventDefault();
        onClose();
      }}
      onKeyDown={onKeyDown}
    >
      <div className="lightbox-bar">
        <div className="lightbox-info">
          <h2 id={titleId} title={file.name}>
            {file.name}
          </h2>
          <p>{details.join(' · ')}</p>
          {/* Every picture shown went through the server's pipeline (decision 010), which keeps
              only the pixels, colour profile and orientation (decision 014). */}
          <p>Location and camera data were removed.</p>
        </div>
        {images.length > 1 && (
          <p className="lightbox-count">
            {index + 1} of {images.length}
          </p>
        )}
        <div className="lightbox-actions">
          <DownloadLink href={links.original(file)} fileName={file.name} className="small">
            Download
          </DownloadLink>
          <button
            ref={closeButton}
            type="button"
            className="small lightbox-close"
            onClick={onClose}
          >
            <span aria-hidden="true">✕</span>
            <span className="visually-hidden">Close</span>
          </button>
        </div>
      </div>
      <div
        className="lightbox-stage"
        onTouchStart={onTouchStart}
        onTouchEnd={onTouchEnd}
        onClick={(event) => {
          if (event.target === event.currentTarget) onClose();
        }}
      >
        <img
          key={file.id}
          className="lightbox-image"
          src={isAnimatable(file) ? links.original(file) : links.thumb(file, 1920)}
          srcSet={isAnimatable(file) ? undefined : links.srcSet(file, LIGHTBOX_WIDTHS)}
          sizes="100vw"
          alt={file.name}
          width={file.width}
          height={file.height}
          // Never enlarged past its own pixels: a small picture stays sharp.
          style={{ maxWidth: file.width, maxHeight: file.height }}
        />
        {images.length > 1 && (
          <>
            <button
              type="button"
              className="lightbox-nav previous"
              onClick={() => go(previous)}
              disabled={!previous}
            >
              <span aria-hidden="true">‹</span>
              <span className="visually-hidden">Previous image</span>
            </button>
            <button
              type="button"
              className="lightbox-nav next"
              onClick={() => go(next)}
              disabled={!next}
            >
              <span aria-hidden="true">›</span>
              <span className="visually-hidden">Next image</span>
            </button>
          </>
        )}
      </div>
    </dialog>
  );
}
