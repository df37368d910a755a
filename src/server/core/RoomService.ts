import { LRUCache } from 'lru-cache';
import { ROOM_EXPIRY_WARNINGS } from '../../protocol/constants.js';
import {
  checkDisplayName,
  DISPLAY_NAME_MAX,
  displayNameMessages,
} from '../../protocol/displayName.js';
import type {
  CreateRoomBody,
  JoinRoomBody,
  MemberPresence,
  Role,
  RoomState,
} from '../../protocol/schemas.js';
import type { MemberRecord, RoomRecord } from '../storage/records.js';
import { StoreConflictError } from '../storage/RoomStore.js';
import type { Stores } from '../storage/Stores.js';
import { AppError } from './AppError.js';
import type { Clock } from './Clock.js';
import type { ExpiringKeys } from './ExpiringKeys.js';
import type { MemoryAccountant } from './MemoryAccountant.js';
import { randomId, randomJoinCode } from './ids.js';
import { nameKey } from './nameKey.js';
import type { Presence } from './Presence.js';
import type { RoomEventBus } from './RoomEventBus.js';
import type { CheckedMemberships } from './CheckedMemberships.js';
import type { Membership } from './Membership.js';
import type { MemberClaims, MemberTokens } from './MemberTokens.js';
import { memberPresenceView, memberView, roomSettingsView, roomView } from './presenters.js';

/** An account joining a room: its member is named after the username, one per room. */
export interface JoiningAccount {
  id: string;
  username: string;
  /** The session it signed in with: the member token is issued to it, and dies with it. */
  sessionId?: string;
}

/** What a member token says: the room, the member and, for an account, its session. */
function tokenClaims(
  room: RoomRecord,
  member: MemberRecord,
  account: JoiningAccount | undefined,
): MemberClaims {
  return account?.sessionId === undefined
    ? { roomId: room.id, memberId: member.id }
    : { roomId: room.id, memberId: member.id, sessionId: account.sessionId };
}

export type CloseReason = 'expired' | 'empty' | 'deleted' | 'evicted';

const endedMessages: Record<CloseReason, string> = {
  expired: 'This room has expired.',
  empty: 'This room ended after everyone had left.',
  deleted: 'This room was closed by an administrator.',
  evicted: 'This room was closed to free memory on the server.',
};

export interface RoomServiceOptions {
  defaultTtlSeconds: number;
  /** The furthest from now an owner may move a room's end. */
  maxTtlSeconds: number;
  emptyRoomGraceSeconds: number;
  /** Whether persistent rooms can be made (a database is configured). */
  persistence: boolean;
  /**
   * The expiry warnings sent so far. Every instance sweeps every room; shared keys (Redis with
   * several instances) let the first sweep to reach a warning send it and the others skip it.
   */
  warned: ExpiringKeys;
  sweepIntervalMs?: number;
}

/**
 * What a room goes through, for features to hook into. A room's end runs in this order: members
 * are told (`room:closed`), the room record is deleted and its tokens revoked; then `closing`,
 * then every owner's `deleteRoom` (see `ownData`), then `closed`. A hook that throws is reported
 * and the others still run.
 */
export interface RoomHooks {
  joined: (room: RoomRecord, member: MemberRecord) => void | Promise<void>;
  left: (room: RoomRecord, member: MemberRecord) => void | Promise<void>;
  /** The member's last live connection closed (on every instance). */
  offline: (room: RoomRecord, member: MemberRecord) => void | Promise<void>;
  /**
   * The room has ended for its members, whose tokens no longer admit a request, and every
   * feature's data of it is still there: the last moment to read it (an archive, a call's
   * teardown).
   */
  closing: (room: RoomRecord, reason: CloseReason) => void | Promise<void>;
  /** Every feature's data of the room is deleted; what is left to drop is caches and live state. */
  closed: (roomId: string, reason: CloseReason) => void | Promise<void>;
}

/**
 * What a join request shows of who is asking: the member tokens it carries (the cookie of an
 * earlier membership), as their claims, of whatever room they are; and the signed-in account
 * that joins, if any.
 */
export interface JoinClient {
  earlier: MemberClaims[];
  account?: JoiningAccount | undefined;
  /** The person an integrator's verified ticket names: the only way into an embedded room. */
  ticket?: TicketIdentity | undefined;
}

/** Who an integrator's ticket says is joining, and as what (embed/). */
export interface TicketIdentity {
  /** `<integratorId>:<userId>`: the same person comes back as the same member. */
  externalId: string;
  displayName: string;
  role: Role;
  avatarUrl?: string | undefined;
}

/** Room settings a caller may fix at creation (an embedded room's id and integrator). */
export interface RoomOrigin {
  id: string;
  integratorId: string;
}

/** Refuses a join by throwing (an AppError the client is shown); registered by features. */
export type JoinGuard = (room: RoomRecord, client: JoinClient) => Promise<void>;

/**
 * Refuses a well-signed member token by throwing (401 for a revoked account session); runs on
 * every use of a token that names a session.
 */
export type TokenGuard = (claims: MemberClaims) => Promise<void>;

/** Why a member is no longer in a room: they left, or an administrator removed them. */
export type LeaveReason = 'left' | 'kicked';

/**
 * The fields of `room:state` that features contribute; the core gives room, member and members.
 * The protocol's fields, and any a feature adds by declaration merging (`declare module`).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- extended by declaration merging
export interface StateSlices extends Omit<RoomState, 'room' | 'member' | 'members'> {}

type StateField = {
  [K in keyof StateSlices]-?: [K, (membership: Membership) => Promise<StateSlices[K]>];
}[keyof StateSlices];

/**
 * Rooms, members and their memberships: the core every feature plugs into. It owns the room
 * lifecycle (create, join, leave, expiry, empty-room clean-up) and publishes membership and
 * presence on the room event bus.
 */
export class RoomService {
  private readonly hooks: { [K in keyof RoomHooks]: RoomHooks[K][] } = {
    joined: [],
    left: [],
    offline: [],
    closing: [],
    closed: [],
  };
  private readonly owners = new Map<string, (roomId: string) => Promise<void>>();
  private readonly joinGuards: JoinGuard[] = [];
  private readonly tokenGuards: TokenGuard[] = [];
  private readonly stateFields: StateField[] = [];
  /** Rooms that ended recently, so their links answer 410 room_expired rather than 404. */
  private readonly ended = new LRUCache<string, CloseReason>({ max: 10_000 });
  private readonly closingRooms = new Set<string>();
  private stopSweep: (() => void) | undefined;
  private relieving = false;

  constructor(
    private readonly stores: Stores,
    private readonly bus: RoomEventBus,
    private readonly presence: Presence,
    private readonly tokens: MemberTokens,
    private readonly checked: CheckedMemberships,
    private readonly clock: Clock,
    private readonly accountant: MemoryAccountant,
    private readonly options: RoomServiceOptions,
    private readonly onHookError: (error: unknown) => void = () => {},
  ) {
    // A room another instance ended is gone here too.
    bus.subscribe((event) => {
      const reason = event.name === 'room:closed' ? event.payload.reason : undefined;
      if (event.remote && reason !== undefined && reason in endedMessages)
        this.ended.set(event.roomId, reason as CloseReason);
    });
  }

  /** Runs `fn` at `hook` of every room, after the functions registered before it. */
  on<K extends keyof RoomHooks>(hook: K, fn: RoomHooks[K]): void {
    this.hooks[hook].push(fn);
  }

  /**
   * Has `guard` look at every join before the member is added: it throws to refuse (a ban).
   * Unlike hooks, a guard's error is the join's answer.
   */
  guardJoin(guard: JoinGuard): void {
    this.joinGuards.push(guard);
  }

  /**
   * Has `guard` look at every use of a member token issued to an account session (its claims
   * name the session) before the membership is read: it throws to refuse.
   */
  guardTokens(guard: TokenGuard): void {
    this.tokenGuards.push(guard);
  }

  /** The claims of a well-signed member token, whether or not its membership still holds. */
  claimsOf(token: string): Promise<MemberClaims | undefined> {
    return this.tokens.verify(token);
  }

  /**
   * Declares `owner` (a feature's name) the owner of some data of every room: `deleteRoom` deletes
   * it when a room ends, between `closing` and `closed`. Deletion is a step of its own rather than
   * a `closed` hook so that what a `closed` hook finds does not depend on whether it was
   * registered before or after the owners: every `closing` hook sees all of a room's data, every
   * `closed` hook none of it. An owner that fails is reported and the others still delete theirs.
   */
  ownData(owner: string, deleteRoom: (roomId: string) => Promise<void>): void {
    if (this.owners.has(owner)) throw new Error(`${owner} already owns room data`);
    this.owners.set(owner, deleteRoom);
  }

  /**
   * Has `read` supply `field` of every `room:state`, after the core's fields and the fields
   * contributed before it. Each field of `StateSlices` is contributed by one feature.
   */
  contributeState<K extends keyof StateSlices>(
    field: K,
    read: (membership: Membership) => Promise<StateSlices[K]>,
  ): void {
    if (this.stateFields.some(([taken]) => taken === field))
      throw new Error(`room:state already has ${field}`);
    this.stateFields.push([field, read] as StateField);
  }

  start(): void {
    this.stopSweep ??= this.clock.every(this.options.sweepIntervalMs ?? 5_000, () => this.sweep());
  }

  stop(): void {
    this.stopSweep?.();
    this.stopSweep = undefined;
  }

  /**
   * Creates a room: with a random id and join code, or (`origin`) under an id its caller
   * derived, for an integrator; StoreConflictError('room_id') when that id is taken already.
   */
  async create(body: CreateRoomBody, origin?: RoomOrigin): Promise<RoomRecord> {
    if (body.persistent && !this.options.persistence) {
      throw new AppError('invalid_request', 'Persistent rooms need a database (DATABASE_URL).', {
        details: [{ path: 'persistent', message: 'this server keeps rooms in memory only' }],
      });
    }
    // With a database, rooms are persistent unless asked otherwise (API.md, "Running").
    const persistent = body.persistent ?? this.options.persistence;
    const now = this.clock.now();
    const ttl = body.ttlSeconds ?? (persistent ? 0 : this.options.defaultTtlSeconds);
    for (let attempt = 0; ; attempt++) {
      const joinCode = randomJoinCode();
      const room: RoomRecord = {
        id: origin?.id ?? randomId(32),
        joinCode,
        name: body.name ?? `Room ${joinCode}`,
        createdAt: now,
        expiresAt: ttl > 0 ? now + ttl * 1000 : null,
        persistent,
        emptySince: now,
        ...(origin && { integratorId: origin.integratorId }),
      };
      try {
        await this.stores.rooms.createRoom(room);
        // An id given again after its room ended names a new room: no longer "gone".
        if (origin) this.ended.delete(room.id);
        return room;
      } catch (error) {
        // 23^6 codes: a clash is rare, several in a row mean the store is full or broken.
        if (!(error instanceof StoreConflictError) || error.constraint !== 'join_code') throw error;
        if (attempt >= 10) throw error;
      }
    }
  }

  /** A live room, or the error a client should see for it. */
  async getLiveRoom(roomId: string): Promise<RoomRecord> {
    const room = await this.stores.rooms.getRoom(roomId);
    if (room && !this.isExpired(room)) return room;
    if (room) {
      void this.close(room.id, 'expired');
      throw new AppError('room_expired', 'This room has expired.');
    }
    // A room that ended, for whatever reason, is gone for good: 410 while we remember it.
    const reason = this.ended.get(roomId);
    if (reason !== undefined) throw new AppError('room_expired', endedMessages[reason]);
    throw new AppError('room_not_found', 'No such room.');
  }

  /**
   * Adds a member to a room: a guest under `body.displayName`, or `client.account` under its
   * username (`body.displayName` is then not used). An account that is a member already gets its
   * member back, with a new token, and nobody is told of a join. Join guards (a ban) may refuse
   * anyone else.
   */
  async join(
    body: JoinRoomBody,
    client: JoinClient = { earlier: [] },
  ): Promise<{ room: RoomRecord; member: MemberRecord; token: string }> {
    const { ticket } = client;
    const room =
      body.roomId !== undefined
        ? await this.getLiveRoom(body.roomId)
        : await this.findByJoinCode(body.joinCode as string);
    if ((room.integratorId !== undefined) !== (ticket !== undefined)) {
      throw new AppError(
        'forbidden',
        ticket
          ? 'This room is not an embedded room.'
          : 'This room is entered from the site it is embedded in.',
      );
    }
    const existing = await this.findReturning(room, client);
    if (existing) return this.rejoin(room, existing, client);
    for (const guard of this.joinGuards) await guard(room, client);
    const added = await this.addNewMember(room, client, body.displayName);
    if (added.returning) return this.rejoin(room, added.member, client);
    const { member } = added;
    // The owner is decided after the member is stored, so two first joins at once cannot both
    // become owner: whoever the store lists first is. In an embedded room, tickets give roles.
    const [first] = ticket ? [] : await this.stores.rooms.listMembers(room.id);
    if (first?.id === member.id) {
      member.role = 'owner';
      await this.stores.rooms.updateMember(room.id, member.id, { role: 'owner' });
    }
    await this.restartEmptyGrace(room);
    const token = await this.tokens.issue(tokenClaims(room, member, client.account));
    this.bus.publish({
      roomId: room.id,
      name: 'member:joined',
      payload: { member: memberView(member) },
    });
    await this.runHooks('joined', room, member);
    await this.publishPresence(room.id);
    return { room, member, token };
  }

  /** The member an account or a ticket's person already is in `room`, if any. */
  private async findReturning(
    room: RoomRecord,
    { account, ticket }: JoinClient,
  ): Promise<MemberRecord | undefined> {
    if (ticket) return this.stores.rooms.findMemberByExternal(room.id, ticket.externalId);
    if (account) return this.stores.rooms.findMemberByAccount(room.id, account.id);
    return undefined;
  }

  /**
   * Stores a new member: a guest under `displayName`, an account under its username, a
   * ticket's person under the ticket's name — with " (2)", " (3)"… after it when someone in
   * the room has that name already, since the integrator, not the person, chose it.
   */
  private async addNewMember(
    room: RoomRecord,
    client: JoinClient,
    displayName: string | undefined,
  ): Promise<{ member: MemberRecord; returning: boolean }> {
    const { account, ticket } = client;
    const wanted = checkedName(ticket?.displayName ?? account?.username ?? displayName);
    const names = ticket ? numberedNames(wanted) : [wanted];
    for (const name of names) {
      const member: MemberRecord = {
        id: randomId(),
        roomId: room.id,
        displayName: name,
        nameKey: nameKey(name),
        role: ticket?.role ?? 'member',
        joinedAt: this.clock.now(),
        ...(account && { accountId: account.id }),
        ...(ticket && { externalId: ticket.externalId }),
        ...(ticket?.avatarUrl !== undefined && { avatarUrl: ticket.avatarUrl }),
      };
      try {
        await this.stores.rooms.addMember(member);
        return { member, returning: false };
      } catch (error) {
        if (!(error instanceof StoreConflictError)) throw error;
        // The same account or person joining twice at once: the first one's member is the member.
        const existing = await this.findReturning(room, client);
        if (existing) return { member: existing, returning: true };
        if (error.constraint !== 'name_key') throw error;
      }
    }
    throw new AppError(
      'name_taken',
      'Someone in this room already uses that name (or one that looks like it).',
    );
  }

  /**
   * A member coming back (an account joining again, a new ticket for the same person): a new
   * token, and the room kept alive. A ticket's role and avatar are the member's from now on.
   */
  private async rejoin(
    room: RoomRecord,
    member: MemberRecord,
    client: JoinClient,
  ): Promise<{ room: RoomRecord; member: MemberRecord; token: string }> {
    const { ticket } = client;
    if (ticket && (ticket.role !== member.role || ticket.avatarUrl !== member.avatarUrl)) {
      const patch = {
        role: ticket.role,
        ...(ticket.avatarUrl !== undefined && { avatarUrl: ticket.avatarUrl }),
      };
      await this.stores.rooms.updateMember(room.id, member.id, patch);
      Object.assign(member, patch);
      await this.checked.revoke(room.id);
    }
    await this.restartEmptyGrace(room);
    const token = await this.tokens.issue(tokenClaims(room, member, client.account));
    return { room, member, token };
  }

  /**
   * Moves a room's end to `seconds` from now, at most `maxTtlSeconds` (earlier than before, if
   * that is what the owner asks), and tells its members with `room:updated`. Owner only. A room
   * with no expiry (persistent without a TTL, or ROOM_TTL_SECONDS=0) is kept until deleted and
   * has no end to move: 400.
   */
  async extend(membership: Membership, seconds: number): Promise<RoomRecord> {
    if (membership.member.role !== 'owner')
      throw new AppError('forbidden', 'Only the owner of the room can extend it.');
    const current = await this.getLiveRoom(membership.room.id);
    if (current.expiresAt === null) {
      throw new AppError(
        'invalid_request',
        'This room does not expire; it is kept until deleted.',
        {
          details: [{ path: 'seconds', message: 'the room has no expiry to move' }],
        },
      );
    }
    const expiresAt = this.clock.now() + Math.min(seconds, this.options.maxTtlSeconds) * 1000;
    await this.stores.rooms.updateRoom(current.id, { expiresAt });
    const room: RoomRecord = { ...current, expiresAt };
    // Memberships checked here carry the room with its old end.
    this.checked.forget(room.id);
    this.bus.publish({ roomId: room.id, name: 'room:updated', payload: { room: roomView(room) } });
    return room;
  }

  /**
   * Changes the room's settings (link cards in messages, a named link card). Owner only; members
   * are told with `room:settings`.
   */
  async changeSettings(
    membership: Membership,
    settings: Partial<Pick<RoomRecord, 'linkPreviews' | 'namedCard'>>,
  ): Promise<RoomRecord> {
    if (membership.member.role !== 'owner')
      throw new AppError('forbidden', 'Only the owner of the room can change its settings.');
    const current = await this.getLiveRoom(membership.room.id);
    const patch = {
      ...(settings.linkPreviews !== undefined && { linkPreviews: settings.linkPreviews }),
      ...(settings.namedCard !== undefined && { namedCard: settings.namedCard }),
    };
    await this.stores.rooms.updateRoom(current.id, patch);
    const room: RoomRecord = { ...current, ...patch };
    this.checked.forget(room.id);
    this.bus.publish({
      roomId: room.id,
      name: 'room:settings',
      payload: { settings: roomSettingsView(room) },
    });
    return room;
  }

  /**
   * Keeps a room until it is deleted: it becomes persistent, loses its end and, where only
   * persistent rooms are stored in the database, moves there with everything it holds (the
   * stores do that, decision 005). Owner only; needs a database (400 without one). Members are
   * told with `room:updated`. Keeping a room already kept changes nothing.
   */
  async keep(membership: Membership): Promise<RoomRecord> {
    if (membership.member.role !== 'owner')
      throw new AppError('forbidden', 'Only the owner of the room can keep it.');
    // Whether an embedded room is kept is its integrator's setting (`rooms.persistent`).
    if (membership.room.integratorId !== undefined)
      throw new AppError('forbidden', 'An embedded room is kept as its site decides.');
    if (!this.options.persistence) {
      throw new AppError('invalid_request', 'Keeping rooms needs a database (DATABASE_URL).', {
        details: [{ path: 'persistent', message: 'this server keeps rooms in memory only' }],
      });
    }
    const current = await this.getLiveRoom(membership.room.id);
    if (current.persistent && current.expiresAt === null) return current;
    await this.stores.rooms.updateRoom(current.id, { persistent: true, expiresAt: null });
    const room: RoomRecord = { ...current, persistent: true, expiresAt: null };
    this.checked.forget(room.id);
    this.bus.publish({ roomId: room.id, name: 'room:updated', payload: { room: roomView(room) } });
    return room;
  }

  /** The live room with this join code (any case, spaces trimmed), or 404 `room_not_found`. */
  async findByJoinCode(joinCode: string): Promise<RoomRecord> {
    const room = await this.stores.rooms.findRoomByJoinCode(joinCode);
    if (!room || this.isExpired(room))
      throw new AppError('room_not_found', 'No room has that join code.');
    return room;
  }

  /** The room and member of a member token, or 401/404/410 as API.md says. */
  async authenticate(token: string | undefined, roomId?: string): Promise<Membership> {
    return (await this.authenticateToken(token, roomId)).membership;
  }

  /** As `authenticate`, with the token's claims (the account session it was issued to). */
  async authenticateToken(
    token: string | undefined,
    roomId?: string,
  ): Promise<{ claims: MemberClaims; membership: Membership }> {
    const claims = token ? await this.tokens.verify(token) : undefined;
    if (!claims) throw new AppError('unauthorized', 'A valid member token is needed.');
    if (roomId !== undefined && claims.roomId !== roomId) {
      throw new AppError('forbidden', 'This membership belongs to another room.');
    }
    if (claims.sessionId !== undefined) for (const guard of this.tokenGuards) await guard(claims);
    return { claims, membership: await this.membership(claims.roomId, claims.memberId) };
  }

  /**
   * The current room and member of an established membership (roles may have changed), as read
   * from the store at most MEMBERSHIP_CHECK_MS ago on this instance: leaving, a role change and the
   * room's end revoke what was read before them (decision 001).
   */
  async membership(roomId: string, memberId: string): Promise<Membership> {
    const checked = this.checked.get(roomId, memberId);
    if (checked && !this.isExpired(checked.room)) return checked;
    return this.checked.check(roomId, memberId, async () => {
      const room = await this.getLiveRoom(roomId);
      const member = await this.stores.rooms.getMember(room.id, memberId);
      if (!member) throw new AppError('unauthorized', 'This member is no longer in the room.');
      return { room, member };
    });
  }

  /**
   * Takes a member out of the room: they left, or (`kicked`) an administrator removed them. Their
   * token stops working, their connections end, and an owner's role passes on. False when they
   * were not in the room.
   */
  async leave(roomId: string, memberId: string, reason: LeaveReason = 'left'): Promise<boolean> {
    const room = await this.stores.rooms.getRoom(roomId);
    const member = room && (await this.stores.rooms.getMember(roomId, memberId));
    if (!room || !member || !(await this.stores.rooms.removeMember(roomId, memberId))) return false;
    this.checked.forget(roomId);
    this.bus.publish({
      roomId,
      name: 'member:left',
      payload: reason === 'left' ? { memberId } : { memberId, reason },
    });
    if (member.role === 'owner') {
      // The longest-present member inherits the room, so it never stays without an owner.
      const [heir] = await this.stores.rooms.listMembers(roomId);
      if (heir) await this.stores.rooms.updateMember(roomId, heir.id, { role: 'owner' });
    }
    // Answered only once no instance takes the member's token, nor the heir's old role.
    await this.checked.revoke(roomId);
    await this.runHooks('left', room, member);
    await this.publishPresence(roomId);
    return true;
  }

  async state(membership: Membership): Promise<RoomState> {
    const [members, ...contributed] = await Promise.all([
      this.membersWithPresence(membership.room.id),
      ...this.stateFields.map(([, read]) => read(membership)),
    ]);
    const contributions = this.stateFields.map(([field], i) => [field, contributed[i]]);
    // Complete once every feature is installed: each contributes its own fields.
    return {
      room: roomView(membership.room),
      member: memberView(membership.member),
      members,
      ...Object.fromEntries(contributions),
    } as RoomState;
  }

  async membersWithPresence(roomId: string): Promise<MemberPresence[]> {
    const members = await this.stores.rooms.listMembers(roomId);
    const online = await this.presence.online(roomId);
    return members.map((m) => memberPresenceView(m, online.has(m.id)));
  }

  /** Counts a live connection (socket or SSE) of a member; call the returned function on close. */
  async connect(membership: Membership): Promise<() => Promise<void>> {
    const { room, member } = membership;
    const wasOccupied = await this.presence.isOccupied(room.id);
    const cameOnline = await this.presence.connect(room.id, member.id);
    if (!wasOccupied) await this.stores.rooms.updateRoom(room.id, { emptySince: null });
    if (cameOnline) await this.publishPresence(room.id);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      const wentOffline = await this.presence.disconnect(room.id, member.id);
      if (!(await this.presence.isOccupied(room.id))) {
        await this.stores.rooms.updateRoom(room.id, { emptySince: this.clock.now() });
      }
      if (wentOffline) {
        await this.runHooks('offline', room, member);
        await this.publishPresence(room.id);
      }
    };
  }

  /**
   * Activity without a live connection (a REST call) restarts the empty-room grace period. A
   * persistent room has none (it never ends for being empty), and an occupied room's starts when
   * its last connection closes, so neither is written.
   */
  async restartEmptyGrace(room: RoomRecord): Promise<void> {
    if (room.persistent) return;
    if (!(await this.presence.isOccupied(room.id)))
      await this.stores.rooms.updateRoom(room.id, { emptySince: this.clock.now() });
  }

  /**
   * Ends expired rooms and rooms that have been empty for longer than the grace period, and
   * warns the members of rooms that expire soon.
   */
  async sweep(): Promise<void> {
    const now = this.clock.now();
    const graceMs = this.options.emptyRoomGraceSeconds * 1000;
    for (const room of await this.stores.rooms.listRooms()) {
      if (this.isExpired(room)) {
        await this.close(room.id, 'expired');
        continue;
      }
      await this.warnOfExpiry(room, now);
      if (
        !room.persistent &&
        room.emptySince !== null &&
        now - room.emptySince >= graceMs &&
        !(await this.presence.isOccupied(room.id))
      ) {
        await this.close(room.id, 'empty');
      }
    }
  }

  /**
   * Brings held memory back under the warning line when it reached critical: first the caches
   * are emptied, then expired rooms end, then the rooms nobody is connected to, longest-empty
   * first (their members get `room:closed { reason: "evicted" }`). Rooms with people in them are
   * never evicted; uploads are refused before the budget could be exceeded anyway.
   */
  async relieveMemoryPressure(): Promise<void> {
    if (this.relieving || this.accountant.level !== 'critical') return;
    this.relieving = true;
    const relieved = () => this.accountant.level === 'ok';
    try {
      this.accountant.evictCaches();
      if (relieved()) return;
      const rooms = await this.stores.rooms.listRooms();
      for (const room of rooms.filter((r) => this.isExpired(r))) {
        await this.close(room.id, 'expired');
        if (relieved()) return;
      }
      // Persistent rooms hold nothing in RAM (their data is in the database), so ending them
      // would destroy what was meant to last and free nothing.
      const candidates = rooms.filter((r) => !r.persistent && !this.isExpired(r));
      const occupied = await Promise.all(candidates.map((r) => this.presence.isOccupied(r.id)));
      const idle = candidates
        .filter((_, i) => !occupied[i])
        .sort((a, b) => (a.emptySince ?? a.createdAt) - (b.emptySince ?? b.createdAt));
      for (const room of idle) {
        await this.close(room.id, 'evicted');
        this.accountant.evictions.room = (this.accountant.evictions.room ?? 0) + 1;
        if (relieved()) return;
      }
    } finally {
      this.relieving = false;
    }
  }

  /**
   * Ends a room: members are told (`room:closed`), transports disconnect them, the room and its
   * tokens go, and then its data, in the order RoomHooks describes.
   */
  async close(roomId: string, reason: CloseReason): Promise<void> {
    if (this.closingRooms.has(roomId)) return;
    this.closingRooms.add(roomId);
    try {
      const room = await this.stores.rooms.getRoom(roomId);
      if (!room) return;
      this.ended.set(roomId, reason);
      this.checked.forget(roomId);
      this.bus.publish({ roomId, name: 'room:closed', payload: { reason } });
      await this.stores.rooms.deleteRoom(roomId);
      await this.checked.revoke(roomId);
      await this.runHooks('closing', room, reason);
      for (const deleteRoom of this.owners.values()) {
        try {
          await deleteRoom(roomId);
        } catch (error) {
          this.onHookError(error);
        }
      }
      await this.runHooks('closed', roomId, reason);
    } finally {
      this.closingRooms.delete(roomId);
    }
  }

  /**
   * Sends `room:expiring` when the room's end is within the latest warning it has reached
   * (ROOM_EXPIRY_WARNINGS), once per warning and expiry: a room whose end moves is warned again
   * for its new end, and one that starts within 60 s of its end gets only the last warning.
   * Sent by the first sweep to get there, so up to a sweep interval late (`secondsLeft` says how
   * much is really left). A failure (Redis away) is reported and the warning tried again at the
   * next sweep.
   */
  private async warnOfExpiry(room: RoomRecord, now: number): Promise<void> {
    if (room.expiresAt === null) return;
    const msLeft = room.expiresAt - now;
    let due: number | undefined;
    for (const seconds of ROOM_EXPIRY_WARNINGS) if (msLeft <= seconds * 1000) due = seconds;
    if (due === undefined) return;
    try {
      const key = `room-expiring:${room.id}:${room.expiresAt}:${due}`;
      if (!(await this.options.warned.add(key, msLeft + 60_000))) return;
    } catch (error) {
      this.onHookError(error);
      return;
    }
    this.bus.publish({
      roomId: room.id,
      name: 'room:expiring',
      payload: { secondsLeft: Math.ceil(msLeft / 1000) },
    });
  }

  private isExpired(room: RoomRecord): boolean {
    return room.expiresAt !== null && room.expiresAt <= this.clock.now();
  }

  private async publishPresence(roomId: string): Promise<void> {
    this.bus.publish({
      roomId,
      name: 'presence',
      payload: { members: await this.membersWithPresence(roomId) },
    });
  }

  private async runHooks<K extends keyof RoomHooks>(
    hook: K,
    ...args: Parameters<RoomHooks[K]>
  ): Promise<void> {
    for (const fn of this.hooks[hook]) {
      try {
        await (fn as (...a: Parameters<RoomHooks[K]>) => void | Promise<void>)(...args);
      } catch (error) {
        this.onHookError(error);
      }
    }
  }
}

/** A display name by the rules (API.md), normalised; 400 `invalid_request` naming `displayName`. */
/** `name`, then `name (2)` … `name (9)`, each cut so that it stays within the length rule. */
function numberedNames(name: string): string[] {
  const names = [name];
  const graphemes = [...new Intl.Segmenter().segment(name)].map((s) => s.segment);
  for (let n = 2; n <= 9; n++) {
    const suffix = ` (${n})`;
    names.push(
      graphemes
        .slice(0, DISPLAY_NAME_MAX - suffix.length)
        .join('')
        .trimEnd() + suffix,
    );
  }
  return names;
}

function checkedName(displayName: string | undefined): string {
  const checked = checkDisplayName(displayName ?? '');
  if (checked.ok) return checked.name;
  throw new AppError('invalid_request', displayNameMessages[checked.reason], {
    details: [{ path: 'displayName', message: checked.reason }],
  });
}
