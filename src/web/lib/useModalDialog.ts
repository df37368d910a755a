import { useLayoutEffect, useRef, type RefObject } from 'react';

/**
 * Shows a <dialog> as modal while the component lives (focus stays inside, the page behind is
 * inert) and focuses `initialFocus`, the harmless choice, so that Enter on a dialog that just
 * opened does nothing drastic. On unmount it closes the dialog and gives focus back to what
 * opened it.
 */
export function useModalDialog(
  initialFocus: RefObject<HTMLElement | null>,
): RefObject<HTMLDialogElement | null> {
  const dialog = useRef<HTMLDialogElement>(null);
  // A layout effect: its clean-up runs while the dialog is still in the page, so closing it
  // there lets the browser hand focus back to the button that opened it.
  useLayoutEffect(() => {
    const element = dialog.current;
    if (!element) return;
    const opener = document.activeElement;
    if (!element.open) element.showModal();
    initialFocus.current?.focus();
    return () => {
      element.close();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
    };
    // A ref never changes: this runs once per dialog, so what had the focus before it opened is
    // what gets it back.
  }, [initialFocus]);
  return dialog;
}
