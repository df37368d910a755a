/**
 * The ticket an embedding page put in the frame's URL fragment (`/embed?…#ticket=…&sig=…`). It is
 * taken out of the address as soon as the page starts (main.tsx), before anything else runs, so
 * it stays in neither the history nor a copied link; the frame then holds it in memory only.
 * Tiny and free of dependencies: it is part of the first script every page loads.
 */

let taken: { ticket: string; sig: string } | null = null;

/** Removes `ticket` and `sig` from the fragment and keeps them; once, at start. */
export function takeFragmentTicket(): void {
  if (window.location.hash.length <= 1) return;
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const ticket = fragment.get('ticket');
  const sig = fragment.get('sig');
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
  if (ticket && sig) taken = { ticket, sig };
}

/** The fragment's ticket, if there was one (a later ticket comes from the page instead). */
export function fragmentTicket(): { ticket: string; sig: string } | null {
  return taken;
}
