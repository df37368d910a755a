import type { RateLimit } from './RateLimiter.js';

/**
 * Limits on what one client may do (docs/operations.md, "Limits"). Each is set by the variable
 * `RATE_LIMIT_<NAME>` (`limitVariable`); tests tighten or relax them through buildApp's options.
 */
export interface Limits {
  /** Rooms created per client address. */
  createRoom: RateLimit;
  /**
   * Failed join attempts per client address (unknown codes and ids): join codes must not be
   * guessable by brute force. Once spent, every join and code look-up from the address is refused.
   */
  joinFailures: RateLimit;
  /** Joins and join-code look-ups per client address: a class behind one NAT joins at once. */
  joins: RateLimit;
  /** Messages per member, over every transport together. */
  messages: RateLimit;
  /** Socket events of any kind per socket. */
  socketEvents: RateLimit;
  /** Refused socket events per socket before the socket is disconnected as abusive. */
  socketAbuse: RateLimit;
  /** Uploads per member, over every transport together. */
  uploads: RateLimit;
  /** Code runs per member, over every transport together. */
  exec: RateLimit;
  /** Call signals (offers, answers, candidates) per member, over every transport together. */
  signals: RateLimit;
  /** y-websocket messages (edits, cursors) per collab connection; past it, 1013 `rate_limited`. */
  collabMessages: RateLimit;
  /** Sign-in attempts per client address. */
  loginPerAddress: RateLimit;
  /** Sign-in attempts (and password changes) per username, whether or not it exists. */
  loginPerUsername: RateLimit;
  /** Registrations per client address. */
  registerPerAddress: RateLimit;
  /**
   * Pages and images fetched from the web at a member's own request (link previews asked for
   * by URL, unsigned image-proxy URLs); cached answers and signed URLs spend nothing.
   */
  webFetches: RateLimit;
}

export type LimitName = keyof Limits;

export const defaultLimits: Limits = {
  // Only teachers and hosts create rooms: a few a minute each, even for a school behind one NAT.
  createRoom: { points: 20, seconds: 60 },
  joinFailures: { points: 30, seconds: 60 },
  // A code look-up and a join per person: 600 lets 300 people behind one address join a minute.
  joins: { points: 600, seconds: 60 },
  messages: { points: 30, seconds: 10 },
  socketEvents: { points: 40, seconds: 1 },
  socketAbuse: { points: 200, seconds: 10 },
  uploads: { points: 30, seconds: 60 },
  exec: { points: 10, seconds: 60 },
  // Joining a full mesh call is an offer, an answer and a few candidates to each of 7 others,
  // and every ICE restart the same again: 300 in 10 s leaves room for a network change.
  signals: { points: 300, seconds: 10 },
  // Typing sends an edit and a cursor move per key: 100 a second is a fast typist's auto-repeat
  // with room to spare.
  collabMessages: { points: 100, seconds: 1 },
  // Generous enough for many people behind one NAT; a guesser gets few tries per account.
  loginPerAddress: { points: 100, seconds: 900 },
  loginPerUsername: { points: 10, seconds: 900 },
  registerPerAddress: { points: 10, seconds: 3600 },
  // A person pastes a few links a minute; a script looping over URLs meets this at once.
  webFetches: { points: 60, seconds: 60 },
};

/** What each limit counts, as `roomkit --help` says it. */
export const limitCounts: Record<LimitName, string> = {
  createRoom: 'rooms created per address',
  joinFailures: 'joins and code look-ups per address that name no room',
  joins: 'joins and join-code look-ups per address',
  messages: 'messages per member',
  socketEvents: 'Socket.IO events per socket',
  socketAbuse: 'refused Socket.IO events per socket before it is disconnected',
  uploads: 'uploads per member',
  exec: 'code runs per member',
  signals: 'call signals per member',
  collabMessages: 'collaborative editor messages per connection',
  loginPerAddress: 'sign-in attempts per address',
  loginPerUsername: 'sign-in attempts and password changes per username',
  registerPerAddress: 'accounts registered per address',
  webFetches: 'pages and images fetched from the web per member',
};

export const limitNames = Object.keys(defaultLimits) as LimitName[];

/** The limit's name in metrics, logs and Redis keys: `joinFailures` → `join_failures`. */
export function limitLabel(name: LimitName): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** The variable that sets the limit: `joinFailures` → `RATE_LIMIT_JOIN_FAILURES`. */
export function limitVariable(name: LimitName): string {
  return `RATE_LIMIT_${limitLabel(name).toUpperCase()}`;
}
