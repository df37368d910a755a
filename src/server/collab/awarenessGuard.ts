import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { CollabMember, CollabPeer, LiveDoc } from './LiveDoc.js';

/** An awareness state is a cursor and a name; anything bigger is not one. */
const MAX_AWARENESS_BYTES = 64 * 1024;
/** Awareness client ids one connection may speak for (a tab has one; a few spare for reloads). */
const MAX_AWARENESS_CLIENTS = 8;

interface AwarenessEntry {
  client: number;
  clock: number;
  /** The state as JSON (`null` when the client removes it). */
  state: string;
}

/**
 * The awareness update `peer` may apply to the room's awareness: `update` with every state's
 * user stamped with the peer's member, or undefined when the update is to be ignored — too big,
 * speaking for the server's client id or another connection's, for more client ids than a
 * connection may speak for, or with a state that is not a JSON object. Ignored rather than
 * fatal: a client's cursor is not worth its connection. Throws on bytes that are no awareness
 * update (lib0 reads past the end).
 */
export function guardAwareness(
  live: LiveDoc,
  peer: CollabPeer,
  update: Uint8Array,
): Uint8Array | undefined {
  if (update.byteLength > MAX_AWARENESS_BYTES) return undefined;
  const own = live.peers.get(peer);
  const member = live.members.get(peer);
  if (!own || !member) return undefined;
  const entries = decodeAwareness(update);
  if (entries === undefined) return undefined;
  let fresh = 0;
  for (const { client } of entries) {
    const owner = live.owners.get(client);
    // Nobody speaks for the server's id, nor for another connection's. (Clients also echo
    // the states they hear; an echo changes nothing, so ignoring it loses nothing.)
    if (client === live.doc.clientID || (owner !== undefined && owner !== peer)) return undefined;
    if (!own.has(client)) fresh++;
  }
  if (own.size + fresh > MAX_AWARENESS_CLIENTS) return undefined;
  // The label on a cursor is the member's display name, not whatever the client wrote there.
  const stamped: AwarenessEntry[] = [];
  for (const entry of entries) {
    const state = stampUser(entry.state, member);
    if (state === undefined) return undefined;
    stamped.push({ ...entry, state });
  }
  return encodeAwareness(stamped);
}

/**
 * The entries of an awareness update (a count, then per client its id, clock and JSON state),
 * or undefined for more than a connection may speak for.
 */
function decodeAwareness(update: Uint8Array): AwarenessEntry[] | undefined {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  if (count > MAX_AWARENESS_CLIENTS) return undefined;
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const client = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    entries.push({ client, clock, state: decoding.readVarString(decoder) });
  }
  return entries;
}

function encodeAwareness(entries: AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const { client, clock, state } of entries) {
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, clock);
    encoding.writeVarString(encoder, state);
  }
  return encoding.toUint8Array(encoder);
}

/**
 * The state with `user.name` and `user.memberId` set to the connection's member (colour and
 * cursor stay the client's own); `null` stays `null`; undefined for a state that is not a JSON
 * object (the update is then ignored).
 */
function stampUser(json: string, member: CollabMember): string | undefined {
  let state: unknown;
  try {
    state = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (state === null) return json;
  if (typeof state !== 'object' || Array.isArray(state)) return undefined;
  const { user } = state as { user?: unknown };
  const given = typeof user === 'object' && user !== null && !Array.isArray(user) ? user : {};
  return JSON.stringify({
    ...state,
    user: { ...given, name: member.displayName, memberId: member.id },
  });
}
