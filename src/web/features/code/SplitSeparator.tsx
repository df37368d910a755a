import {
  useCallback,
  useState,
  type KeyboardEvent,
  type PointerEvent,
  type RefObject,
} from 'react';
import {
  EDITOR_SHARE,
  parseStoredShare,
  shareAfterKey,
  shareAtPointer,
  SHARE_STORAGE_KEY,
} from './splitSize.js';

function readStored(): string | null {
  try {
    return window.localStorage.getItem(SHARE_STORAGE_KEY);
  } catch {
    return null; // Storage can be missing (private modes): the split is then the default.
  }
}

function store(share: number): void {
  try {
    window.localStorage.setItem(SHARE_STORAGE_KEY, String(share));
  } catch {
    // Not remembered: it still applies for this page.
  }
}

/** The editor's share of the split, remembered on this browser. */
export function useEditorShare(): [number, (share: number) => void] {
  const [share, setShare] = useState(() => parseStoredShare(readStored()));
  const change = useCallback((next: number) => {
    setShare(next);
    store(next);
  }, []);
  return [share, change];
}

/**
 * The separator "Editor width" between the editor and the output: dragged with a pointer, or
 * focused and moved with the arrow keys (Home and End for the bounds), as the WAI-ARIA window
 * splitter pattern describes. Its value is the editor's share of the width in percent.
 */
export function SplitSeparator({
  share,
  onChange,
  split,
  controls,
}: {
  share: number;
  onChange: (share: number) => void;
  /** The element both sides share, whose width the share is of. */
  split: RefObject<HTMLElement | null>;
  /** The id of the editor, which the separator resizes. */
  controls?: string;
}) {
  const [dragging, setDragging] = useState(false);
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const next = shareAfterKey(share, event.key);
    if (next === null) return;
    event.preventDefault();
    onChange(next);
  };
  const follow = (event: PointerEvent<HTMLDivElement>) => {
    const box = split.current?.getBoundingClientRect();
    if (box) onChange(shareAtPointer(event.clientX, box.left, box.width));
  };
  return (
    <div
      role="separator"
      aria-orientation="vertical"
      aria-label="Editor width"
      aria-valuenow={share}
      aria-valuemin={EDITOR_SHARE.min}
      aria-valuemax={EDITOR_SHARE.max}
      aria-controls={controls}
      tabIndex={0}
      className={dragging ? 'split-separator dragging' : 'split-separator'}
      onKeyDown={onKeyDown}
      onPointerDown={(event) => {
        if (event.button !== 0) return;
        event.preventDefault(); // No text selection while dragging.
        event.currentTarget.setPointerCapture(event.pointerId);
        event.currentTarget.focus();
        setDragging(true);
      }}
      onPointerMove={(event) => {
        if (event.currentTarget.hasPointerCapture(event.pointerId)) follow(event);
      }}
      onPointerUp={(event) => {
        if (event.currentTarget.hasPointerCapture(event.pointerId)) {
          event.currentTarget.releasePointerCapture(event.pointerId);
        }
        setDragging(false);
      }}
      onLostPointerCapture={() => setDragging(false)}
    />
  );
}
