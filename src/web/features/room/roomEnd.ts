/** How a room's end is shown: quietly while it is far, as a countdown in its last 15 minutes. */

/** From here on the end is shown as a countdown. */
export const SOON_MS = 15 * 60_000;
/** "Keep for another hour": an extension adds this to what is left. */
export const EXTENSION_SECONDS = 3600;

export type RoomEndView =
  { kind: 'none' } | { kind: 'far'; text: string } | { kind: 'soon'; secondsLeft: number };

/** The room's end as of `now` (ms); `expiresAt` as the server sends it (ISO 8601 or null). */
export function roomEndView(expiresAt: string | null, now: number): RoomEndView {
  if (expiresAt === null) return { kind: 'none' };
  const end = Date.parse(expiresAt);
  const left = end - now;
  if (left <= SOON_MS) return { kind: 'soon', secondsLeft: Math.max(0, Math.ceil(left / 1000)) };
  const at = new Date(end);
  const time = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const sameDay = new Date(now).toDateString() === at.toDateString();
  const day = sameDay
    ? ''
    : `${at.toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'short' })}, `;
  return { kind: 'far', text: `Ends ${day}at ${time}` };
}

/** `m:ss`, or `s s` under a minute. */
export function formatCountdown(total: number): string {
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return minutes > 0 ? `${minutes}:${String(seconds).padStart(2, '0')}` : `${seconds} s`;
}

/** The `seconds` to ask for so the room lasts another hour past its current end. */
export function extensionSeconds(expiresAt: string, now: number): number {
  const left = Math.max(0, Math.ceil((Date.parse(expiresAt) - now) / 1000));
  return left + EXTENSION_SECONDS;
}

/** The sentence of a `room:expiring` warning. */
export function expiringWarning(secondsLeft: number): string {
  const minutes = Math.round(secondsLeft / 60);
  if (minutes <= 1) return 'This room ends in about a minute.';
  return `This room ends in about ${minutes} minutes.`;
}
