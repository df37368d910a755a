/**
 * Reading a ticket's payload without its signature: the snippet needs its `integratorId` to build
 * the frame's URL, and the frame refuses a ticket for another origin before it asks the server.
 * Nothing here trusts the payload; the server checks the signature. Dependency-free, as the
 * snippet (`/embed.js`) bundles it.
 */

/** The JSON inside a base64url ticket, or null when it is not base64url of a JSON object. */
export function ticketJson(ticket: string): Record<string, unknown> | null {
  if (!/^[A-Za-z0-9_-]+$/.test(ticket)) return null;
  try {
    const base64 = ticket.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** A string field of the ticket's payload, or null. */
export function ticketField(ticket: string, field: 'integratorId' | 'origin'): string | null {
  const value = ticketJson(ticket)?.[field];
  return typeof value === 'string' ? value : null;
}
