/**
 * Which peer connections a member of a mesh call keeps, opens and closes as the call changes.
 * Pure, so the rules are tested without a browser; `CallController` carries the plan out.
 */
import type { CallParticipant } from '../../../protocol/schemas.js';

/**
 * The peers held now: member id → the `since` of theirs the connection was made for, or null for
 * one opened on their first signal, before a `call:state` named them.
 */
export type HeldPeers = ReadonlyMap<string, string | null>;

export interface PeerPlan {
  /** Connections to drop: the member left, or joined again (a new page), or we did. */
  close: string[];
  /** Connections to make, with the `since` each is for. */
  open: { memberId: string; since: string }[];
  /** Connections opened on a first signal that the call now names: they are kept. */
  adopt: { memberId: string; since: string }[];
}

/**
 * The plan that takes `held` to one connection per other participant of `participants`, for
 * `me`. `mySinceChanged` says this member joined again: every connection starts afresh. A member
 * who is not in the call (or a call that ended) keeps none.
 */
export function planPeers(
  held: HeldPeers,
  participants: readonly CallParticipant[] | null,
  me: string,
  mySinceChanged = false,
): PeerPlan {
  const plan: PeerPlan = { close: [], open: [], adopt: [] };
  const inCall = participants?.some((participant) => participant.memberId === me) ?? false;
  const wanted = new Map<string, string>();
  if (inCall && participants) {
    for (const { memberId, since } of participants) {
      if (memberId !== me) wanted.set(memberId, since);
    }
  }
  for (const [memberId, heldSince] of held) {
    const since = wanted.get(memberId);
    if (since === undefined) plan.close.push(memberId);
    else if (heldSince === null && !mySinceChanged) plan.adopt.push({ memberId, since });
    else if (heldSince !== since || mySinceChanged) {
      // The same member on a new page (or us on one): the old connection leads nowhere.
      plan.close.push(memberId);
      plan.open.push({ memberId, since });
    }
  }
  for (const [memberId, since] of wanted) {
    if (!held.has(memberId)) plan.open.push({ memberId, since });
  }
  return plan;
}

/**
 * Perfect negotiation's roles: of two members, the one with the smaller id is polite (it gives
 * way when both offer at once), the other impolite (it ignores the colliding offer).
 */
export function isPolite(me: string, other: string): boolean {
  return me < other;
}

/** This member's entry in the call, if they are in it. */
export function participantOf(
  participants: readonly CallParticipant[] | undefined,
  memberId: string,
): CallParticipant | undefined {
  return participants?.find((participant) => participant.memberId === memberId);
}

/**
 * What a received video track carries. Each member sends its microphone and camera in one
 * stream and its screen in another, so a video track that shares its stream with audio is the
 * camera, and one alone in its stream is the screen.
 */
export function trackRole(kind: string, streamHasAudio: boolean): 'audio' | 'camera' | 'screen' {
  if (kind === 'audio') return 'audio';
  return streamHasAudio ? 'camera' : 'screen';
}
